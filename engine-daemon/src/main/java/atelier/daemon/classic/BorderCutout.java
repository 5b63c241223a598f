package atelier.daemon.classic;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.ops.CutoutEngine;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Cuts objects off plain, gradient or lightly textured backdrops (generated icons and
 * popups, product shots, scans) with no model: a background model learned from the
 * border, a trimap from each pixel's distance to it, GrabCut at a working resolution,
 * then soft alpha and clean colours along the edges at full resolution.
 */
public final class BorderCutout implements CutoutEngine {

    public static final int SMALLEST_SIDE = 8;
    /** GrabCut's graph grows with the pixel count; a quarter megapixel keeps it near a second on a laptop. */
    private static final long WORKING_PIXELS = 250_000;
    private static final int GRABCUT_ROUNDS = 3;
    /** A border that varies more than this around the model is a scene, not a backdrop. */
    private static final double BUSIEST_BACKDROP = 30;

    @Override
    public EngineInfo info() {
        return new EngineInfo("cutout", "embedded",
                "background model from the border + GrabCut + edge matting: for objects on plain, gradient or paper backdrops");
    }

    @Override
    public void check(Raster picture, Mask keep) throws InvalidRequest {
        if (picture.width() < SMALLEST_SIDE || picture.height() < SMALLEST_SIDE) {
            throw new InvalidRequest("image", "the cutout engine needs a picture at least " + SMALLEST_SIDE + "x" + SMALLEST_SIDE
                    + " pixels, got " + picture.extent());
        }
        boolean keeps = keep != null && keep.selectedPixels() > 0;
        if (keeps && keep.selectedPixels() == picture.extent().pixels()) {
            throw new InvalidRequest("keep", "the keep mask covers the whole picture: nothing would be removed");
        }
        Survey survey;
        try {
            survey = survey(picture, keep);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest("keep", "the keep mask covers the picture's border, where the background is learned:"
                    + " leave part of the border unselected");
        }
        if (survey.model.spread() > BUSIEST_BACKDROP) {
            throw new InvalidRequest("image", String.format(
                    "the picture's border is not a plain or smoothly shaded background (it strays %.0f levels from the best fit):"
                            + " the cutout engine only cuts objects off such backdrops", survey.model.spread()));
        }
        if (!keeps && survey.trimap.objectPixels < survey.smallestObject()) {
            throw new InvalidRequest("image",
                    "the picture is all background (one colour or a smooth gradient): there is nothing to cut out");
        }
    }

    @Override
    public Raster cutOut(Raster picture, Mask keep, Progress progress) throws JobCancelledException {
        progress.step(0, "modelling the background");
        Survey survey = survey(picture, keep);
        progress.step(0.1, "separating object and background");
        byte[] workingCut = separate(survey, progress.span(0.1, 0.6));
        progress.step(0.6, "scaling the cut up");
        byte[] cut = survey.scaledUp(workingCut, picture.extent());
        if (keep != null) {
            byte[] kept = keep.values();
            for (int i = 0; i < cut.length; i++) {
                cut[i] = kept[i] != 0 ? 1 : cut[i];
            }
        }
        progress.step(0.7, "matting the edges");
        float[] distance = survey.scale == 1 ? survey.distance : survey.model.distances(picture);
        int radius = 2 + (int) Math.ceil(survey.scale);
        EdgeMatting.Matte matte = EdgeMatting.estimate(picture, cut, survey.model, distance, survey.unlike, radius);
        if (keep != null) {
            byte[] kept = keep.values();
            for (int i = 0; i < cut.length; i++) {
                if (kept[i] != 0) {
                    matte.alpha()[i] = 1;
                    matte.band()[i] = 0;
                }
            }
        }
        progress.step(0.9, "cleaning edge colours");
        return ColourDecontamination.apply(picture, matte);
    }

    /** GrabCut from the trimap, one round between progress steps; 1 marks object. */
    private static byte[] separate(Survey survey, Progress progress) throws JobCancelledException {
        CutoutTrimap trimap = survey.trimap;
        int n = trimap.width * trimap.height;
        byte[] cut = new byte[n];
        // GrabCut learns a colour mixture from each side; with (almost) nothing on one side the trimap is the answer.
        if (trimap.objectPixels < 16 || trimap.backgroundPixels < 16) {
            for (int i = 0; i < n; i++) {
                cut[i] = (byte) (trimap.object(i) ? 1 : 0);
            }
            return cut;
        }
        Mat rgb = survey.workingRgb();
        Mat labels = CutoutTrimap.mat(trimap.labels, trimap.width, trimap.height);
        Mat backgroundMixture = new Mat();
        Mat objectMixture = new Mat();
        try {
            for (int round = 0; round < GRABCUT_ROUNDS; round++) {
                progress.step((double) round / GRABCUT_ROUNDS, "grabcut round " + (round + 1));
                Imgproc.grabCut(rgb, labels, new Rect(), backgroundMixture, objectMixture, 1,
                        round == 0 ? Imgproc.GC_INIT_WITH_MASK : Imgproc.GC_EVAL);
            }
            byte[] result = OpenCvNatives.bytes(labels);
            for (int i = 0; i < n; i++) {
                cut[i] = (byte) (result[i] == Imgproc.GC_FGD || result[i] == Imgproc.GC_PR_FGD ? 1 : 0);
            }
            return cut;
        } finally {
            rgb.release();
            labels.release();
            backgroundMixture.release();
            objectMixture.release();
        }
    }

    /**
     * Everything learned before the cut: the background model, and the trimap at the working resolution.
     *
     * @throws IllegalArgumentException when the keep mask leaves too little border to learn the background from
     */
    private static Survey survey(Raster picture, Mask keep) {
        BackgroundModel model = BackgroundModel.fitToBorder(picture, keep);
        double scale = Math.max(1, Math.sqrt((double) picture.extent().pixels() / WORKING_PIXELS));
        Extent working = scale == 1 ? picture.extent()
                : new Extent(Math.max(1, (int) Math.round(picture.width() / scale)), Math.max(1, (int) Math.round(picture.height() / scale)));
        Raster small = scale == 1 ? picture : resized(picture, working);
        byte[] smallKeep = keep == null ? null : scale == 1 ? keep.values() : resized(keep, working);
        float[] distance = model.distances(small);
        double unlike = Math.max(12, 3 * model.spread() + 6);
        double sure = Math.max(2 * unlike, 48);
        CutoutTrimap trimap = CutoutTrimap.build(distance, smallKeep, working.width(), working.height(), unlike, sure);
        return new Survey(model, small, scale, distance, unlike, trimap);
    }

    private record Survey(BackgroundModel model, Raster working, double scale, float[] distance, double unlike,
                          CutoutTrimap trimap) {

        /** Fewer pixels unlike the background than this is noise, not an object. */
        long smallestObject() {
            return 4 + working.extent().pixels() / 10_000;
        }

        Mat workingRgb() {
            Mat rgba = OpenCvNatives.toMat(working);
            Mat rgb = new Mat();
            Imgproc.cvtColor(rgba, rgb, Imgproc.COLOR_RGBA2RGB);
            rgba.release();
            return rgb;
        }

        /** A 0/1 cut at the working size brought to the full size, its boundary interpolated. */
        byte[] scaledUp(byte[] cut, Extent full) {
            if (scale == 1) {
                return cut;
            }
            float[] soft = new float[cut.length];
            for (int i = 0; i < cut.length; i++) {
                soft[i] = cut[i];
            }
            Mat small = OpenCvNatives.toMat(soft, working.width(), working.height(), 1);
            Mat large = new Mat();
            Imgproc.resize(small, large, new Size(full.width(), full.height()), 0, 0, Imgproc.INTER_LINEAR);
            float[] values = OpenCvNatives.floats(large);
            small.release();
            large.release();
            byte[] out = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = (byte) (values[i] >= 0.5f ? 1 : 0);
            }
            return out;
        }
    }

    private static Raster resized(Raster picture, Extent size) {
        Mat full = OpenCvNatives.toMat(picture);
        Mat small = new Mat();
        Imgproc.resize(full, small, new Size(size.width(), size.height()), 0, 0, Imgproc.INTER_AREA);
        Raster result = OpenCvNatives.toRaster(small);
        full.release();
        small.release();
        return result;
    }

    /** Any coverage of a working pixel by the keep mask keeps it. */
    private static byte[] resized(Mask keep, Extent size) {
        Mat full = new Mat(keep.extent().height(), keep.extent().width(), CvType.CV_8UC1);
        full.put(0, 0, keep.values());
        Mat small = new Mat();
        Imgproc.resize(full, small, new Size(size.width(), size.height()), 0, 0, Imgproc.INTER_AREA);
        byte[] result = OpenCvNatives.bytes(small);
        full.release();
        small.release();
        return result;
    }
}
