package atelier.daemon.bench;

import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.classic.CutoutScenes;
import atelier.daemon.classic.CutoutScenes.Scene;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.RoughSelections;
import atelier.daemon.ops.CutoutEngine;
import atelier.daemon.ops.EditOrder;
import atelier.daemon.ops.RemoveBackground;
import java.util.List;
import java.util.Locale;

/**
 * Remove background through the operation as a request makes it, per scene: alpha IoU with
 * no selection and with each rough selection (box, lasso, a box clipping the subject), and
 * the time, beside GrabCut started from the same rough box (what people reach for first).
 */
final class SelectionScores {

    private SelectionScores() {
    }

    static void print(String title, CutoutEngine engine, List<Scene> scenes) throws Exception {
        RemoveBackground remove = new RemoveBackground(List.of(engine), java.util.Map.of(), "select the subject",
                new atelier.daemon.classic.SelectionGrabCut());
        System.out.printf(Locale.ROOT, "%n%s: %s through remove-background, alpha IoU%n", title, engine.info().getName());
        System.out.printf(Locale.ROOT, "%-30s %8s %8s %8s %8s | %8s %8s %6s | %9s%n", "scene", "none", "box", "lasso", "clipped",
                "ms none", "ms box", "ratio", "GrabCut box");
        double[] sums = new double[5];
        int[] counts = new int[5];
        for (Scene scene : scenes) {
            List<RoughSelections.Selection> selections = RoughSelections.around(scene);
            String[] cells = new String[4];
            double[] ms = new double[2];
            for (int k = 0; k < 4; k++) {
                Mask where = k == 0 ? null : selections.get(k - 1).mask();
                long start = System.nanoTime();
                try {
                    Raster cut = remove.prepare(order(scene, where)).run(Progress.NONE).layers().get(0).pixels();
                    double iou = CutoutScenes.alphaIou(cut, scene.alpha());
                    cells[k] = String.format(Locale.ROOT, "%.4f", iou);
                    sums[k] += iou;
                    counts[k]++;
                } catch (InvalidRequest refused) {
                    cells[k] = "refused";
                }
                if (k < 2) {
                    ms[k] = (System.nanoTime() - start) / 1e6;
                }
            }
            double grab = CutoutScenes.alphaIou(GrabCutFromBox.cut(scene.picture(), selections.get(0).mask().bounds()), scene.alpha());
            sums[4] += grab;
            counts[4]++;
            System.out.printf(Locale.ROOT, "%-30s %8s %8s %8s %8s | %8.0f %8.0f %6.2f | %9.4f%n", scene.name(), cells[0], cells[1],
                    cells[2], cells[3], ms[0], ms[1], ms[1] / ms[0], grab);
        }
        System.out.printf(Locale.ROOT, "%-30s %8s %8s %8s %8s | %26s %9s%n", "mean (of those not refused)", mean(sums[0], counts[0]),
                mean(sums[1], counts[1]), mean(sums[2], counts[2]), mean(sums[3], counts[3]), "", mean(sums[4], counts[4]));
    }

    private static String mean(double sum, int count) {
        return count == 0 ? "-" : String.format(Locale.ROOT, "%.4f", sum / count);
    }

    private static EditOrder order(Scene scene, Mask where) {
        return RoughSelections.removeBackground(scene, where, null, "auto");
    }
}
