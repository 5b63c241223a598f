package atelier.bridge.client;

import atelier.bridge.thrift.JobStatus;

/** Hears about a job while {@link AtelierClient#edit} waits for it. */
public interface JobListener {

    JobListener SILENT = new JobListener() { };

    /** The job id, as soon as the daemon accepted the request. */
    default void submitted(String jobId) { }

    /** Each status polled while the job is queued or running. */
    default void progress(JobStatus status) { }
}
