package atelier.daemon.classic;

import atelier.bridge.thrift.EngineInfo;
import atelier.daemon.image.ContextRegion;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.ops.FillEngine;

/**
 * Content-aware fill by multi-scale patch-based completion (Wexler, Shechtman and Irani
 * 2007) with PatchMatch nearest-neighbour search (Barnes et al. 2009): the family behind
 * Content-Aware Fill and Resynthesizer's "heal selection". The hole is rebuilt from
 * patches of the picture around it, coarse to fine, so texture stays sharp.
 */
public final class PatchMatchFill implements FillEngine {

    /** Enough surroundings to find matching texture, without searching the whole picture. */
    private static final ContextRegion CONTEXT = new ContextRegion(48, 0.75, 1);

    @Override
    public EngineInfo info() {
        return new EngineInfo("patchmatch", "embedded",
                "multi-scale PatchMatch completion: rebuilds the selection from the texture around it");
    }

    @Override
    public boolean seeded() {
        return true;
    }

    @Override
    public ContextRegion context() {
        return CONTEXT;
    }

    @Override
    public boolean samplesFromRegion() {
        return true;
    }

    @Override
    public Raster fill(Raster picture, Mask hole, Mask sampleFrom, long seed, Progress progress) throws JobCancelledException {
        return new PatchCompletion(picture, hole, sampleFrom, seed).run(progress);
    }
}
