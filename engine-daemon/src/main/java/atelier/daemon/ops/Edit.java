package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.List;

/**
 * One operation an artist can ask for. {@link #prepare} runs while the client waits
 * (checks, engine choice) so a bad request is refused before it is queued;
 * the returned work runs later on a worker.
 */
public interface Edit {

    Operation operation();

    /** Engines that can run it now, best first; empty when none is installed. */
    List<EngineInfo> engines();

    /** What to install to enable it, for when {@link #engines()} is empty. */
    String howToEnable();

    Work prepare(EditOrder order) throws InvalidRequest, Unsupported;

    /**
     * The part of a {@code canvas} that {@link #prepare} and its work read for a request with
     * this selection (null: none), engine and sample region: a client may send only that
     * crop. Answers the whole canvas unless the operation looks at less.
     */
    default atelier.daemon.image.Bounds contextRegion(atelier.daemon.image.Bounds selection, atelier.daemon.image.Extent canvas,
                                                      String engine, boolean sampleFrom) {
        return atelier.daemon.image.Bounds.of(canvas);
    }

    /** The checked, ready-to-run edit. */
    interface Work {
        EditOutcome run(Progress progress) throws JobCancelledException;
    }
}
