package atelier.daemon.jobs;

/** Unwinds an engine when its job was cancelled; caught by the job queue only. */
public final class JobCancelledException extends Exception {
    public JobCancelledException() {
        super("cancelled", null, false, false);
    }
}
