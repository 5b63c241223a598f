package atelier.daemon.neural.isnet;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.classic.GuidedFilter;
import atelier.daemon.image.Mask;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.ops.CutoutEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Remove-background with ISNet: the network finds the object at 1024x1024, its mask is
 * brought back to the picture's size, and a guided filter with the picture as guide
 * snaps the soft edge to the object's real outline. Works on busy scenes, where a border
 * colour model cannot.
 */
public final class IsnetCutout implements CutoutEngine {

    public static final int SMALLEST_SIDE = 8;
    /** The network's mask below this is background, above {@code 1 - EDGE} object: only between is the edge refined. */
    private static final float EDGE = 0.02f;
    /** Guide variance (on 0..1 grey, squared) below which the filter smooths rather than follows an edge. */
    private static final double EPSILON = 1e-4;
    /** A separate region of the network's mask this share of the largest one's area, or more, is a part of the object. */
    private static final double SMALLEST_PART = 0.01;

    private final EngineInfo info;
    private final IsnetModel model;

    public IsnetCutout(String engineName, String precision, IsnetModel model) {
        this.info = new EngineInfo(engineName, "model", "ISNet salient-object segmentation (" + precision
                + ", ONNX through DJL's OnnxRuntime engine) + guided-filter edges: for objects on any background, busy ones too");
        this.model = model;
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public void check(Raster picture, Mask keep) throws InvalidRequest {
        if (picture.width() < SMALLEST_SIDE || picture.height() < SMALLEST_SIDE) {
            throw new InvalidRequest("image", info.getName() + " needs a picture at least " + SMALLEST_SIDE + "x" + SMALLEST_SIDE
                    + " pixels, got " + picture.extent());
        }
        if (keep != null && keep.selectedPixels() == picture.extent().pixels()) {
            throw new InvalidRequest("keep", "the keep mask covers the whole picture: nothing would be removed");
        }
    }

    @Override
    public Raster cutOut(Raster picture, Mask keep, Progress progress) throws JobCancelledException {
        progress.step(0, "preparing the picture for ISNet");
        float[] planes = networkInput(picture);
        progress.step(0.1, "finding the object (" + info.getName() + ")");
        float[] probability;
        try {
            probability = model.predict(planes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        progress.step(0.8, "refining the edges");
        float[] alpha = refine(picture, probability);
        if (keep != null) {
            byte[] kept = keep.values();
            for (int i = 0; i < alpha.length; i++) {
                alpha[i] = Math.max(alpha[i], (kept[i] & 0xff) / 255f);
            }
        }
        progress.step(0.95, "composing the cut-out");
        Raster cutout = picture.copy();
        byte[] rgba = cutout.rgba();
        for (int i = 0; i < alpha.length; i++) {
            rgba[4 * i + 3] = (byte) Math.round(alpha[i] * (rgba[4 * i + 3] & 0xff));
        }
        return cutout;
    }

    /** The picture at 1024x1024 as R, G, B planes of (v - 128) / 256, what the network was trained on. */
    static float[] networkInput(Raster picture) {
        Mat rgba = OpenCvNatives.toMat(picture);
        Mat square = new Mat();
        boolean shrinking = picture.width() > IsnetModel.SIDE && picture.height() > IsnetModel.SIDE;
        Imgproc.resize(rgba, square, new Size(IsnetModel.SIDE, IsnetModel.SIDE), 0, 0,
                shrinking ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR);
        byte[] pixels = OpenCvNatives.bytes(square);
        rgba.release();
        square.release();
        int plane = IsnetModel.SIDE * IsnetModel.SIDE;
        float[] planes = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            planes[i] = ((pixels[4 * i] & 0xff) - 128) / 256f;
            planes[i + plane] = ((pixels[4 * i + 1] & 0xff) - 128) / 256f;
            planes[i + 2 * plane] = ((pixels[4 * i + 2] & 0xff) - 128) / 256f;
        }
        return planes;
    }

    /**
     * The probability with everything away from the object's parts set to 0: the
     * quantised model leaves faint specks on textured backgrounds (gravel, grass). A part
     * is a connected region above one half at least {@link #SMALLEST_PART} of the largest;
     * a few pixels around each keep their soft edge.
     */
    static float[] withoutSpeckles(float[] probability) {
        int side = IsnetModel.SIDE;
        byte[] object = new byte[probability.length];
        for (int i = 0; i < probability.length; i++) {
            object[i] = (byte) (probability[i] >= 0.5f ? 255 : 0);
        }
        Mat binary = new Mat(side, side, CvType.CV_8UC1);
        binary.put(0, 0, object);
        Mat labels = new Mat();
        Mat stats = new Mat();
        Mat centroids = new Mat();
        int count = Imgproc.connectedComponentsWithStats(binary, labels, stats, centroids, 8, CvType.CV_32S);
        int largest = 0;
        int[] area = new int[count];
        for (int label = 1; label < count; label++) {
            area[label] = (int) stats.get(label, Imgproc.CC_STAT_AREA)[0];
            largest = Math.max(largest, area[label]);
        }
        int[] labelOf = new int[probability.length];
        labels.get(0, 0, labelOf);
        byte[] kept = new byte[probability.length];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = (byte) (labelOf[i] > 0 && area[labelOf[i]] >= SMALLEST_PART * largest ? 255 : 0);
        }
        Mat keptMat = new Mat(side, side, CvType.CV_8UC1);
        keptMat.put(0, 0, kept);
        Mat near = new Mat();
        Imgproc.dilate(keptMat, near, Imgproc.getStructuringElement(Imgproc.MORPH_ELLIPSE, new Size(9, 9)));
        byte[] around = OpenCvNatives.bytes(near);
        for (Mat m : new Mat[] {binary, labels, stats, centroids, keptMat, near}) {
            m.release();
        }
        float[] cleaned = new float[probability.length];
        for (int i = 0; i < cleaned.length; i++) {
            cleaned[i] = around[i] != 0 ? probability[i] : 0;
        }
        return cleaned;
    }

    /**
     * The network's mask at the picture's size; along its soft edge, a guided filter with
     * the picture's grey as guide, so the edge follows the object's outline.
     */
    static float[] refine(Raster picture, float[] probability) {
        Mat small = OpenCvNatives.toMat(withoutSpeckles(probability), IsnetModel.SIDE, IsnetModel.SIDE, 1);
        Mat mask = new Mat();
        Imgproc.resize(small, mask, new Size(picture.width(), picture.height()), 0, 0, Imgproc.INTER_LINEAR);
        small.release();
        Mat rgba = OpenCvNatives.toMat(picture);
        Mat grey8 = new Mat();
        Imgproc.cvtColor(rgba, grey8, Imgproc.COLOR_RGBA2GRAY);
        Mat grey = new Mat();
        grey8.convertTo(grey, CvType.CV_32F, 1 / 255.0);
        // One network pixel spans this many picture pixels: the window must cover the blur of the upsampling.
        double stretch = Math.max(picture.width(), picture.height()) / (double) IsnetModel.SIDE;
        int radius = Math.max(2, (int) Math.ceil(2 * stretch));
        Mat filtered = GuidedFilter.apply(grey, mask, radius, EPSILON);
        float[] coarse = OpenCvNatives.floats(mask);
        float[] fine = OpenCvNatives.floats(filtered);
        // Only where the network hesitated, or next to it, is the filter's answer taken.
        Mat uncertain = new Mat();
        Core.inRange(mask, new org.opencv.core.Scalar(EDGE), new org.opencv.core.Scalar(1 - EDGE), uncertain);
        Mat band = new Mat();
        Imgproc.dilate(uncertain, band, Imgproc.getStructuringElement(Imgproc.MORPH_ELLIPSE, new Size(2 * radius + 1, 2 * radius + 1)));
        byte[] near = OpenCvNatives.bytes(band);
        for (Mat m : new Mat[] {mask, rgba, grey8, grey, filtered, uncertain, band}) {
            m.release();
        }
        float[] alpha = new float[coarse.length];
        for (int i = 0; i < alpha.length; i++) {
            float value = near[i] != 0 ? fine[i] : coarse[i];
            alpha[i] = value < 0 ? 0 : Math.min(value, 1);
        }
        return alpha;
    }
}
