package atelier.daemon.neural;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.JobListener;
import atelier.bridge.thrift.Capabilities;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Layer;
import atelier.bridge.thrift.ModelInfo;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.OperationSupport;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.DaemonFixture;
import atelier.daemon.Pictures;
import atelier.daemon.classic.CutoutScenes;
import atelier.daemon.classic.CutoutScenes.Scene;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.server.Limits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** remove-background with ISNet installed, through a real daemon with three workers. */
class IsnetOverThriftTest {

    @TempDir
    static Path root;
    static DaemonFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        Path installed = IsnetModels.modelDir().resolve("isnet");
        Path models = root.resolve("models").resolve("isnet");
        Files.createDirectories(models);
        try (var files = Files.list(installed)) {
            for (Path file : files.toList()) {
                Files.createSymbolicLink(models.resolve(file.getFileName()), file);
            }
        }
        fixture = new DaemonFixture(root, Limits.DEFAULT, 3);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static EditResult edit(EditRequest request) throws Exception {
        try (AtelierClient client = fixture.client()) {
            return client.edit(request, JobListener.SILENT);
        }
    }

    private static Raster pixels(EditResult result) {
        Layer layer = result.getLayers().get(0);
        return Raster.wrap(new Extent(layer.getPixels().getWidth(), layer.getPixels().getHeight()), layer.getPixels().getData());
    }

    private static EditRequest removeBackground(Scene scene, String engine) {
        return new EditRequest(Operation.REMOVE_BACKGROUND, Pictures.raw(scene.picture())).setEngine(engine);
    }

    @Test
    void capabilitiesListTheInstalledModelsAndTheIsnetEngineComesFirst() throws Exception {
        try (AtelierClient client = fixture.client()) {
            Capabilities caps = client.capabilities();
            assertEquals(List.of("isnet", "isnet-small"), caps.getModels().stream().map(ModelInfo::getName).toList());
            assertTrue(caps.getModels().stream().allMatch(m -> m.getKind().equals("isnet") && m.getSizeBytes() > 40_000_000));
            OperationSupport support = caps.getOperations().stream()
                    .filter(s -> s.getOperation() == Operation.REMOVE_BACKGROUND).findFirst().orElseThrow();
            assertEquals(List.of("isnet", "isnet-small", "cutout"), support.getEngines().stream().map(EngineInfo::getName).toList());
        }
    }

    @Test
    void autoCutsTheVaseOffTheCatWithIsnet() throws Exception {
        Scene scene = BusyScenes.vaseOnCat();
        EditResult result = edit(removeBackground(scene, "auto"));
        assertEquals("isnet", result.getEngine());
        double iou = CutoutScenes.alphaIou(pixels(result), scene.alpha());
        assertTrue(iou >= 0.95, "alpha IoU " + iou);
    }

    @Test
    void aRequestCanNameTheSmallModelOrForceTheEmbeddedEngine() throws Exception {
        assertEquals("isnet-small", edit(removeBackground(BusyScenes.mugOnBricks(), "isnet-small")).getEngine());
        Scene plain = CutoutScenes.iconsOnWhite();
        assertEquals("cutout", edit(new EditRequest(Operation.REMOVE_BACKGROUND, Pictures.raw(plain.picture()))
                .setEngine("embedded")).getEngine());
    }

    @Test
    void theKeepMaskKeepsWhatItMarksAndTheSelectionIsWhereTheSubjectIs() throws Exception {
        Scene scene = BusyScenes.ballOnGravel();
        Mask keep = Mask.empty(scene.picture().extent());
        for (int y = 20; y < 120; y++) {
            for (int x = 20; x < 220; x++) {
                keep.set(x, y, 255);
            }
        }
        Raster withKeep = pixels(edit(removeBackground(scene, "isnet").setKeep(Pictures.raw(keep))));
        assertEquals(255, withKeep.channel(100, 60, 3), "gravel the keep mask marks is kept");
        assertEquals(0, withKeep.channel(100, 700, 3), "gravel elsewhere is removed");
        assertEquals(255, withKeep.channel(512, 384, 3), "the ball is kept");

        // A rough box round the ball (radius 250 at 512,384), with a margin: the ball inside it, nothing outside.
        Mask box = Mask.empty(scene.picture().extent());
        for (int y = 100; y < 668; y++) {
            for (int x = 230; x < 800; x++) {
                box.set(x, y, 255);
            }
        }
        EditResult selected = edit(removeBackground(scene, "isnet").setMask(Pictures.raw(box)));
        Raster cut = pixels(selected);
        assertEquals(255, cut.channel(512, 384, 3), "the ball is kept");
        assertEquals(0, cut.channel(100, 60, 3), "nothing outside the selection stays");
        assertEquals(0, cut.channel(240, 110, 3), "gravel inside the selection's corner is background");
        assertTrue(CutoutScenes.alphaIou(cut, scene.alpha()) >= 0.95, "alpha IoU " + CutoutScenes.alphaIou(cut, scene.alpha()));
        assertEquals(box.bounds().toString(), selected.getDetails().get("selection"));
    }

    @Test
    void concurrentJobsShareOneModelAndGetTheSameCutsAsOneAtATime() throws Exception {
        List<Scene> scenes = List.of(BusyScenes.vaseOnCat(), BusyScenes.mugOnBricks(), BusyScenes.kiteOnRocket());
        List<Raster> alone = new ArrayList<>();
        for (Scene scene : scenes) {
            alone.add(pixels(edit(removeBackground(scene, "isnet"))));
        }
        ExecutorService pool = Executors.newFixedThreadPool(scenes.size());
        try {
            List<Future<EditResult>> together = new ArrayList<>();
            for (Scene scene : scenes) {
                together.add(pool.submit(() -> edit(removeBackground(scene, "isnet"))));
            }
            for (int i = 0; i < scenes.size(); i++) {
                Raster concurrent = pixels(together.get(i).get());
                double agreement = CutoutScenes.alphaIou(concurrent, alphaOf(alone.get(i)));
                assertTrue(agreement > 0.999, scenes.get(i).name() + ": concurrent and lone cuts agree to IoU " + agreement);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badRequestsGetTypedAnswers() throws Exception {
        try (AtelierClient client = fixture.client()) {
            Raster tiny = Raster.blank(new Extent(4, 4));
            InvalidRequest small = assertThrows(InvalidRequest.class, () -> client.submit(
                    new EditRequest(Operation.REMOVE_BACKGROUND, Pictures.raw(tiny)).setEngine("isnet")));
            assertEquals("image", small.getField());
            Unsupported unknown = assertThrows(Unsupported.class, () -> client.submit(removeBackground(BusyScenes.ballOnGravel(), "u2net")));
            assertTrue(unknown.getHowToEnable().contains("isnet"), unknown.getHowToEnable());
            InvalidRequest variants = assertThrows(InvalidRequest.class, () -> client.submit(
                    removeBackground(BusyScenes.ballOnGravel(), "isnet").setVariants(2)));
            assertEquals("variants", variants.getField());
        }
    }

    static float[] alphaOf(Raster cutout) {
        float[] alpha = new float[cutout.width() * cutout.height()];
        for (int i = 0; i < alpha.length; i++) {
            alpha[i] = (cutout.rgba()[4 * i + 3] & 0xff) / 255f;
        }
        return alpha;
    }
}
