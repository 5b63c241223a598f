package atelier.daemon.classic;

import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.jobs.Progress;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The cutout engine on drawn pictures whose true alpha is known. */
class BorderCutoutTest {

    static Stream<CutoutScenes.Scene> scenes() {
        return CutoutScenes.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenes")
    void cutOutMatchesTheTrueAlpha(CutoutScenes.Scene scene) throws Exception {
        double iou = CutoutScenes.alphaIou(new BorderCutout().cutOut(scene.picture(), null, Progress.NONE), scene.alpha());
        System.out.printf("%s IoU %.4f%n", scene.name(), iou);
        assertTrue(iou >= 0.95, scene.name() + ": alpha IoU " + iou);
    }
}
