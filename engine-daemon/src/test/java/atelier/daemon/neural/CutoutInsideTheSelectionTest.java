package atelier.daemon.neural;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.classic.BorderCutout;
import atelier.daemon.classic.CutoutScenes;
import atelier.daemon.classic.CutoutScenes.Scene;
import atelier.daemon.image.Mask;
import atelier.daemon.jobs.Progress;
import atelier.daemon.ops.EditOrder;
import atelier.daemon.ops.EditOutcome;
import atelier.daemon.ops.RemoveBackground;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Remove background the way designers select: a rough box or lasso round the subject on a
 * busy photograph (BusyScenes: drawn subjects of known alpha over CC0 and public-domain
 * photographs), scored by alpha IoU against the subject's true alpha.
 */
class CutoutInsideTheSelectionTest {

    private static EditOrder order(Scene scene, Mask where, Mask keep, String engine) {
        return RoughSelections.removeBackground(scene, where, keep, engine);
    }

    @Test
    void isnetFindsTheSubjectInsideRoughSelectionsAndNothingOutside() throws Exception {
        RemoveBackground remove = new RemoveBackground(List.of(IsnetModels.engine("isnet")));
        double sum = 0, clean = 0;
        int count = 0, cleanCount = 0;
        StringBuilder report = new StringBuilder();
        double none = 0;
        for (Scene scene : BusyScenes.all()) {
            double whole = CutoutScenes.alphaIou(remove.prepare(order(scene, null, null, "isnet")).run(Progress.NONE).layers().get(0)
                    .pixels(), scene.alpha());
            report.append(String.format(Locale.ROOT, "%-22s %-12s %.4f%n", scene.name(), "none", whole));
            none += whole;
            for (RoughSelections.Selection selection : RoughSelections.around(scene)) {
                EditOutcome outcome = remove.prepare(order(scene, selection.mask(), null, "isnet")).run(Progress.NONE);
                var cut = outcome.layers().get(0).pixels();
                double iou = CutoutScenes.alphaIou(cut, scene.alpha());
                report.append(String.format(Locale.ROOT, "%-22s %-12s %.4f%n", scene.name(), selection.kind(), iou));
                byte[] selected = selection.mask().values();
                for (int i = 0; i < selected.length; i++) {
                    if (selected[i] == 0) {
                        assertEquals(0, cut.rgba()[i * 4 + 3], scene.name() + " " + selection.kind() + ": alpha outside the selection");
                    }
                }
                sum += iou;
                count++;
                if (!selection.clips()) {
                    clean += iou;
                    cleanCount++;
                }
            }
        }
        System.out.print(report);
        assertTrue(none / BusyScenes.all().size() >= 0.93, "mean alpha IoU with no selection " + none / BusyScenes.all().size());
        assertTrue(clean / cleanCount >= 0.95, "mean alpha IoU inside boxes and lassos " + clean / cleanCount + "\n" + report);
        assertTrue(sum / count >= 0.93, "mean alpha IoU with clipping boxes too " + sum / count + "\n" + report);
    }

    /** Where the embedded engine refuses a busy photograph, a selection lets it learn the background round it. */
    @Test
    void theEmbeddedEngineCutsABusyPhotographInsideASelection() throws Exception {
        RemoveBackground remove = new RemoveBackground(List.of(new BorderCutout()), java.util.Map.of(), "select the subject",
                new atelier.daemon.classic.SelectionGrabCut());
        for (Scene scene : List.of(BusyScenes.ballOnGravel(), BusyScenes.bottleOnGrass())) {
            RoughSelections.Selection box = RoughSelections.around(scene).get(0);
            EditOutcome outcome = remove.prepare(order(scene, box.mask(), null, "auto")).run(Progress.NONE);
            double iou = CutoutScenes.alphaIou(outcome.layers().get(0).pixels(), scene.alpha());
            assertTrue(iou >= 0.95, scene.name() + ": alpha IoU " + iou);
            assertTrue(outcome.details().get("background").contains("round the selection"), outcome.details().toString());
        }
    }

    @Test
    void theEmbeddedEngineRefusingAPhotographSaysHowToCutItAnyway() throws Exception {
        RemoveBackground remove = new RemoveBackground(List.of(new BorderCutout()));
        int refusals = 0;
        for (Scene scene : BusyScenes.all()) {
            try {
                remove.prepare(order(scene, null, null, "auto"));
            } catch (InvalidRequest refused) {
                refusals++;
                assertEquals("image", refused.getField());
                assertTrue(refused.getReason().contains("atelier models install isnet")
                        && refused.getReason().contains("select the subject"), refused.getReason());
            }
        }
        assertTrue(refusals >= 3, "the busy photographs the embedded engine refuses: " + refusals);
    }
}
