package atelier.daemon.neural;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.classic.BorderCutout;
import atelier.daemon.classic.CutoutScenes.Scene;
import atelier.daemon.classic.CutoutScenes;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.isnet.IsnetModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ISNet cuts drawn objects off busy photographs, where the embedded engine gives up. */
class IsnetCutoutTest {

    @Test
    void theOnnxFileTakesTheInputThePackageFeedsIt() throws Exception {
        for (String name : List.of("isnet", "isnet-small")) {
            IsnetModel model = new IsnetModel(name, IsnetModels.modelDir().resolve("isnet").resolve(name.equals("isnet")
                    ? "isnet-medium.onnx" : "isnet-small.onnx"));
            try (model) {
                List<String> inputs = model.describeInputs();
                System.out.println(name + " inputs: " + inputs);
                assertEquals(1, inputs.size());
                assertTrue(inputs.get(0).startsWith("input "), inputs.get(0));
            }
        }
    }

    @Test
    void cutsObjectsOffBusyPhotographsWithAlphaIouAtLeast095() throws Exception {
        double sumMedium = 0, sumSmall = 0;
        List<Scene> scenes = BusyScenes.all();
        System.out.printf("%-28s %8s %8s %8s%n", "scene", "isnet", "small", "cutout");
        for (Scene scene : scenes) {
            double medium = iou("isnet", scene);
            double small = iou("isnet-small", scene);
            String embedded;
            try {
                new BorderCutout().check(scene.picture(), null);
                embedded = String.format("%.4f", CutoutScenes.alphaIou(new BorderCutout().cutOut(scene.picture(), null, Progress.NONE),
                        scene.alpha()));
            } catch (InvalidRequest refused) {
                embedded = "refused";
            }
            System.out.printf("%-28s %8.4f %8.4f %8s%n", scene.name(), medium, small, embedded);
            sumMedium += medium;
            sumSmall += small;
        }
        System.out.printf("%-28s %8.4f %8.4f%n", "mean", sumMedium / scenes.size(), sumSmall / scenes.size());
        assertTrue(sumMedium / scenes.size() >= 0.95, "isnet mean alpha IoU " + sumMedium / scenes.size());
        assertTrue(sumSmall / scenes.size() >= 0.95, "isnet-small mean alpha IoU " + sumSmall / scenes.size());
    }

    private static double iou(String engine, Scene scene) throws Exception {
        Raster cut = IsnetModels.engine(engine).cutOut(scene.picture(), null, Progress.NONE);
        BusyScenes.save(scene, engine, cut);
        return CutoutScenes.alphaIou(cut, scene.alpha());
    }
}
