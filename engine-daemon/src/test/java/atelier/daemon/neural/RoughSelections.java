package atelier.daemon.neural;

import atelier.daemon.classic.CutoutScenes.Scene;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.OpenCvNatives;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

/**
 * Selections drawn the way designers draw them round a subject before Remove background:
 * an axis-aligned box with a 5-20 % margin on each side (so off-centre), a lasso of a dozen
 * and a half wobbly points round the subject with a like margin, and a quick box whose one
 * side cuts a thin part of the subject off. Seeded per scene, so every run draws the same.
 */
public final class RoughSelections {

    /** @param clips whether the selection leaves part of the subject outside (by design) */
    public record Selection(String kind, Mask mask, boolean clips) {
    }

    private RoughSelections() {
    }

    /** The order a remove-background request for {@code scene} makes: {@code where} the selection, {@code keep} the keep mask (either null). */
    public static atelier.daemon.ops.EditOrder removeBackground(Scene scene, Mask where, Mask keep, String engine) {
        return new atelier.daemon.ops.EditOrder(atelier.bridge.thrift.Operation.REMOVE_BACKGROUND, scene.picture(), where, null,
                "", "", 1, 1.0, null, 1, engine, atelier.daemon.image.Margins.NONE, null, false,
                atelier.bridge.thrift.FlatsOutput.UNDERLAY, 4, null, null, keep);
    }

    public static List<Selection> around(Scene scene) {
        OpenCvNatives.load();
        Extent extent = scene.picture().extent();
        int w = extent.width(), h = extent.height();
        int minX = w, minY = h, maxX = -1, maxY = -1;
        for (int i = 0; i < scene.alpha().length; i++) {
            if (scene.alpha()[i] > 0.5f) {
                minX = Math.min(minX, i % w);
                maxX = Math.max(maxX, i % w);
                minY = Math.min(minY, i / w);
                maxY = Math.max(maxY, i / w);
            }
        }
        Random random = new Random(scene.name().hashCode());
        int bw = maxX - minX + 1, bh = maxY - minY + 1;
        List<Selection> selections = new ArrayList<>();
        selections.add(new Selection("box", box(extent, minX - margin(random, bw), minY - margin(random, bh),
                maxX + margin(random, bw), maxY + margin(random, bh)), false));
        selections.add(new Selection("lasso", lasso(extent, minX, minY, maxX, maxY, random), false));
        // A quick box: generous on three sides, the fourth a little inside the subject.
        int side = random.nextInt(4);
        int cutX = (int) Math.round(0.04 * bw), cutY = (int) Math.round(0.04 * bh);
        selections.add(new Selection("clipped box", box(extent,
                side == 0 ? minX + cutX : minX - margin(random, bw), side == 1 ? minY + cutY : minY - margin(random, bh),
                side == 2 ? maxX - cutX : maxX + margin(random, bw), side == 3 ? maxY - cutY : maxY + margin(random, bh)), true));
        return selections;
    }

    private static int margin(Random random, int size) {
        return (int) Math.round(size * (0.05 + 0.15 * random.nextDouble()));
    }

    private static Mask box(Extent extent, int x0, int y0, int x1, int y1) {
        Mask mask = Mask.empty(extent);
        for (int y = Math.max(0, y0); y <= Math.min(extent.height() - 1, y1); y++) {
            for (int x = Math.max(0, x0); x <= Math.min(extent.width() - 1, x1); x++) {
                mask.set(x, y, 255);
            }
        }
        return mask;
    }

    /** Points on an ellipse through the subject box's corners, pushed out 5-20 % and wobbling. */
    private static Mask lasso(Extent extent, int minX, int minY, int maxX, int maxY, Random random) {
        double cx = (minX + maxX) / 2.0, cy = (minY + maxY) / 2.0;
        double rx = (maxX - minX) / 2.0 * Math.sqrt(2), ry = (maxY - minY) / 2.0 * Math.sqrt(2);
        int count = 14 + random.nextInt(7);
        Point[] points = new Point[count];
        double start = random.nextDouble() * 2 * Math.PI;
        for (int k = 0; k < count; k++) {
            double angle = start + 2 * Math.PI * k / count;
            double grow = 1.0 + 0.05 * random.nextDouble();
            points[k] = new Point(cx + rx * grow * Math.cos(angle), cy + ry * grow * Math.sin(angle));
        }
        Mat canvas = Mat.zeros(extent.height(), extent.width(), CvType.CV_8UC1);
        try {
            Imgproc.fillPoly(canvas, List.of(new MatOfPoint(points)), new Scalar(255), Imgproc.LINE_AA);
            byte[] values = new byte[Math.toIntExact(extent.pixels())];
            canvas.get(0, 0, values);
            return Mask.wrap(extent, values);
        } finally {
            canvas.release();
        }
    }
}
