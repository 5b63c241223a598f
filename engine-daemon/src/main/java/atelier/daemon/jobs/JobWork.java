package atelier.daemon.jobs;

import atelier.bridge.thrift.EditResult;
import org.apache.thrift.TException;

/** The work of one job: runs the engine with progress and returns the result to spool. */
@FunctionalInterface
public interface JobWork {
    EditResult run(String jobId, Progress progress) throws JobCancelledException, Refusal;

    /**
     * The request was refused once its pictures were decoded on the worker: the contract's own
     * typed error (InvalidRequest or Unsupported), which {@code result} answers for the job.
     */
    final class Refusal extends Exception {
        private final TException refusal;

        /** @param sentence what the job's status says, for a person */
        public Refusal(TException refusal, String sentence) {
            super(sentence, refusal, false, false);
            this.refusal = refusal;
        }

        public TException refusal() {
            return refusal;
        }
    }
}
