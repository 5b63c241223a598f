package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;

/** Separates the object of a picture from its background. */
public interface CutoutEngine {

    EngineInfo info();

    /**
     * Refuses, while the client waits, a picture this engine cannot cut (too small,
     * nothing but background, ...), naming the field at fault.
     *
     * @param keep what the artist marked as object (above 0), or null
     */
    void check(Raster picture, Mask keep) throws InvalidRequest;

    /**
     * The picture with a new alpha: opaque on the object, transparent on the background,
     * soft only along the object's edges; wherever {@code keep} is above 0 it is object.
     */
    Raster cutOut(Raster picture, Mask keep, Progress progress) throws JobCancelledException;
}
