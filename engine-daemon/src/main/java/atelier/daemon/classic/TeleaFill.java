package atelier.daemon.classic;

import atelier.bridge.thrift.EngineInfo;
import atelier.daemon.image.ContextRegion;
import atelier.daemon.image.Mask;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.ops.FillEngine;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.photo.Photo;

/**
 * OpenCV's fast marching fill (Telea 2004): smooth, fast, best for thin scratches and
 * small blemishes; large holes come out blurred.
 */
public final class TeleaFill implements FillEngine {

    /** Telea only looks a few radii around the hole. */
    private static final ContextRegion CONTEXT = new ContextRegion(24, 0.1, 1);
    private static final double RADIUS = 5;

    @Override
    public EngineInfo info() {
        return new EngineInfo("telea", "embedded", "OpenCV fast marching fill: quick, smooth, for thin scratches and small spots");
    }

    @Override
    public boolean seeded() {
        return false;
    }

    @Override
    public ContextRegion context() {
        return CONTEXT;
    }

    @Override
    public boolean samplesFromRegion() {
        return false;
    }

    @Override
    public Raster fill(Raster picture, Mask hole, Mask sampleFrom, long seed, Progress progress) throws JobCancelledException {
        Mat rgba = OpenCvNatives.toMat(picture);
        Mat holeMat = OpenCvNatives.toBinaryMat(hole);
        List<Mat> channels = new ArrayList<>();
        Core.split(rgba, channels);
        Mat rgb = new Mat();
        Core.merge(channels.subList(0, 3), rgb);
        try {
            progress.step(0.1, "filling colour");
            Mat filledRgb = new Mat();
            Photo.inpaint(rgb, holeMat, filledRgb, RADIUS, Photo.INPAINT_TELEA);
            progress.step(0.8, "filling transparency");
            Mat filledAlpha = new Mat();
            Photo.inpaint(channels.get(3), holeMat, filledAlpha, RADIUS, Photo.INPAINT_TELEA);
            List<Mat> out = new ArrayList<>();
            Core.split(filledRgb, out);
            out.add(filledAlpha);
            Mat merged = new Mat();
            Core.merge(out, merged);
            Raster result = OpenCvNatives.toRaster(merged);
            release(out);
            release(List.of(filledRgb, filledAlpha, merged));
            return result;
        } finally {
            release(channels);
            release(List.of(rgba, holeMat, rgb));
        }
    }

    /** Mats hold native memory the garbage collector does not see; free it now. */
    private static void release(List<Mat> mats) {
        mats.forEach(Mat::release);
    }
}
