package atelier.daemon.classic;

import atelier.daemon.image.Mask;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.ops.SelectionCutout;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.imgproc.Imgproc;

/**
 * The embedded cut-out for a busy picture the artist has selected round the subject: GrabCut
 * learns the background's colours from what lies outside the selection (the margin the
 * operation adds round it) and the subject's from inside, and separates them along the
 * strongest edges; a guided filter softens the edge along the subject's outline. Without a
 * selection there is nothing to learn the background from, so it is only used with one.
 */
public final class SelectionGrabCut implements SelectionCutout {

    private static final int ITERATIONS = 5;
    private static final double EPSILON = 1e-4;

    @Override
    public Raster cutOut(Raster picture, Mask selection, Progress progress) throws JobCancelledException {
        OpenCvNatives.load();
        progress.step(0, "learning the background round the selection");
        int w = picture.width(), h = picture.height();
        byte[] labels = new byte[w * h];
        byte[] selected = selection.values();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (byte) ((selected[i] & 0xff) >= 128 ? Imgproc.GC_PR_FGD : Imgproc.GC_BGD);
        }
        Mat rgba = OpenCvNatives.toMat(picture);
        Mat rgb = new Mat();
        Mat mask = new Mat(h, w, CvType.CV_8UC1);
        Mat bgd = new Mat();
        Mat fgd = new Mat();
        Mat grey8 = new Mat();
        Mat grey = new Mat();
        Mat hard = new Mat();
        try {
            Imgproc.cvtColor(rgba, rgb, Imgproc.COLOR_RGBA2RGB);
            mask.put(0, 0, labels);
            Imgproc.grabCut(rgb, mask, new Rect(), bgd, fgd, ITERATIONS, Imgproc.GC_INIT_WITH_MASK);
            progress.step(0.8, "softening the edge");
            byte[] cut = new byte[w * h];
            mask.get(0, 0, cut);
            float[] object = new float[w * h];
            for (int i = 0; i < cut.length; i++) {
                object[i] = cut[i] == Imgproc.GC_FGD || cut[i] == Imgproc.GC_PR_FGD ? 1f : 0f;
            }
            hard.create(h, w, CvType.CV_32F);
            hard.put(0, 0, object);
            Imgproc.cvtColor(rgba, grey8, Imgproc.COLOR_RGBA2GRAY);
            grey8.convertTo(grey, CvType.CV_32F, 1 / 255.0);
            Mat soft = GuidedFilter.apply(grey, hard, 2, EPSILON);
            Core.min(soft, new org.opencv.core.Scalar(1), soft);
            Core.max(soft, new org.opencv.core.Scalar(0), soft);
            float[] alpha = OpenCvNatives.floats(soft);
            soft.release();
            Raster out = picture.copy();
            byte[] px = out.rgba();
            for (int i = 0; i < alpha.length; i++) {
                px[i * 4 + 3] = (byte) Math.round(alpha[i] * (px[i * 4 + 3] & 0xff));
            }
            return out;
        } finally {
            for (Mat m : new Mat[] {rgba, rgb, mask, bgd, fgd, grey8, grey, hard}) {
                m.release();
            }
        }
    }
}
