package atelier.daemon.jobs;

import atelier.bridge.thrift.EditResult;

/** The work of one job: runs the engine with progress and returns the result to spool. */
@FunctionalInterface
public interface JobWork {
    EditResult run(String jobId, Progress progress) throws JobCancelledException;
}
