package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;

/** Fills the selected part of a picture from the rest of it. */
public interface FillEngine {

    EngineInfo info();

    /** Whether the seed changes the fill; a deterministic engine makes one variant only. */
    boolean seeded();

    /** How much context around the hole this engine wants to see. */
    atelier.daemon.image.ContextRegion context();

    /** Whether the engine can take its material only from a "sample from" region. */
    boolean samplesFromRegion();

    /**
     * A copy of {@code picture} with every pixel where {@code hole} is above 0 filled;
     * pixels outside the hole may be returned unchanged or not (the caller composites).
     *
     * @param sampleFrom where the engine may take material from, or null for anywhere
     *                   outside the hole; only given to engines that {@link #samplesFromRegion}
     */
    Raster fill(Raster picture, Mask hole, Mask sampleFrom, long seed, Progress progress) throws JobCancelledException;

    /** One fill a seed, in order; an engine that makes them together (a model, batched) overrides this. */
    default java.util.List<Raster> fillVariants(Raster picture, Mask hole, Mask sampleFrom, java.util.List<Long> seeds,
                                                Progress progress) throws JobCancelledException {
        java.util.List<Raster> fills = new java.util.ArrayList<>();
        for (int v = 0; v < seeds.size(); v++) {
            fills.add(fill(picture, hole, sampleFrom, seeds.get(v),
                    progress.span((double) v / seeds.size(), (v + 1.0) / seeds.size())));
        }
        return fills;
    }
}
