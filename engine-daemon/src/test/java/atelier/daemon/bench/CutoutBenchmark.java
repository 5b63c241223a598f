package atelier.daemon.bench;

import atelier.daemon.classic.BorderCutout;
import atelier.daemon.classic.CutoutScenes;
import atelier.daemon.image.Extent;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Alpha IoU and time of the cutout engine on the drawn scenes, beside what people reach
 * for first: OpenCV GrabCut alone, started from a rectangle just inside the picture.
 * Run with `./bench cutout`.
 */
public final class CutoutBenchmark {

    private static final int RUNS = 3;

    public static void main(String[] args) throws Exception {
        OpenCvNatives.load();
        List<CutoutScenes.Scene> scenes = new ArrayList<>(CutoutScenes.all());
        scenes.add(CutoutScenes.ballWithWhiteHighlightOnWhite());
        scenes.add(enlarged(CutoutScenes.productOnGradient(), 4));
        BorderCutout engine = new BorderCutout();
        engine.cutOut(scenes.get(0).picture(), null, Progress.NONE);
        System.out.printf("%-34s %9s %9s %10s %10s %7s%n", "scene", "IoU", "IoU ref", "ms", "ms ref", "speed-up");
        for (CutoutScenes.Scene scene : scenes) {
            Raster[] ours = new Raster[1];
            double ms = medianMillis(() -> ours[0] = engine.cutOut(scene.picture(), null, Progress.NONE));
            Raster[] reference = new Raster[1];
            double refMs = medianMillis(() -> reference[0] = grabCutFromInnerRectangle(scene.picture()));
            System.out.printf("%-34s %9.4f %9.4f %10.1f %10.1f %7.2f%n", scene.name() + " " + scene.picture().extent(),
                    CutoutScenes.alphaIou(ours[0], scene.alpha()), CutoutScenes.alphaIou(reference[0], scene.alpha()),
                    ms, refMs, refMs / ms);
        }
        SelectionScores.print("plain backgrounds", engine, scenes);
        SelectionScores.print("busy photographs", engine, atelier.daemon.neural.BusyScenes.all());
    }

    /** GrabCut, 5 iterations, from a rectangle inset 2% of the shorter side; hard alpha. */
    static Raster grabCutFromInnerRectangle(Raster picture) {
        int inset = Math.max(2, Math.min(picture.width(), picture.height()) / 50);
        return GrabCutFromBox.cut(picture, new atelier.daemon.image.Bounds(inset, inset, picture.width() - 2 * inset,
                picture.height() - 2 * inset));
    }

    /** The scene drawn larger; linear interpolation keeps picture = alpha x object + (1 - alpha) x backdrop. */
    static CutoutScenes.Scene enlarged(CutoutScenes.Scene scene, int factor) {
        Extent size = new Extent(scene.picture().width() * factor, scene.picture().height() * factor);
        Mat picture = OpenCvNatives.toMat(scene.picture());
        Mat bigPicture = new Mat();
        Imgproc.resize(picture, bigPicture, new Size(size.width(), size.height()), 0, 0, Imgproc.INTER_LINEAR);
        Mat alpha = OpenCvNatives.toMat(scene.alpha(), scene.picture().width(), scene.picture().height(), 1);
        Mat bigAlpha = new Mat();
        Imgproc.resize(alpha, bigAlpha, new Size(size.width(), size.height()), 0, 0, Imgproc.INTER_LINEAR);
        CutoutScenes.Scene big = new CutoutScenes.Scene(scene.name() + "-x" + factor, OpenCvNatives.toRaster(bigPicture),
                OpenCvNatives.floats(bigAlpha));
        for (Mat m : new Mat[] {picture, bigPicture, alpha, bigAlpha}) {
            m.release();
        }
        return big;
    }

    interface Run {
        void run() throws Exception;
    }

    private static double medianMillis(Run run) throws Exception {
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            run.run();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[RUNS / 2];
    }
}
