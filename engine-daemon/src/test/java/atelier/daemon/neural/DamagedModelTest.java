package atelier.daemon.neural;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.JobListener;
import atelier.bridge.thrift.Capabilities;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.ModelInfo;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.DaemonFixture;
import atelier.daemon.Pictures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged model file never takes the daemon down: capabilities say so, a request naming it is told how to reinstall. */
class DamagedModelTest {

    @Test
    void aCorruptMediumModelIsReportedAndTheSmallOneStillWorks(@TempDir Path root) throws Exception {
        Path installed = IsnetModels.modelDir().resolve("isnet");
        Path models = Files.createDirectories(root.resolve("models").resolve("isnet"));
        Files.createSymbolicLink(models.resolve("isnet-small.onnx"), installed.resolve("isnet-small.onnx"));
        Files.copy(installed.resolve("LICENSE.md"), models.resolve("LICENSE.md"));
        Files.write(models.resolve("isnet-medium.onnx"), "not an onnx file".getBytes());

        try (DaemonFixture fixture = new DaemonFixture(root); AtelierClient client = fixture.client()) {
            Capabilities caps = client.capabilities();
            ModelInfo medium = caps.getModels().stream().filter(m -> m.getName().equals("isnet")).findFirst().orElseThrow();
            assertTrue(medium.getKind().contains("damaged") && medium.getKind().contains("atelier models install isnet"), medium.getKind());
            List<String> engines = caps.getOperations().stream().filter(s -> s.getOperation() == Operation.REMOVE_BACKGROUND)
                    .findFirst().orElseThrow().getEngines().stream().map(EngineInfo::getName).toList();
            assertEquals(List.of("isnet-small", "cutout"), engines);

            EditRequest named = new EditRequest(Operation.REMOVE_BACKGROUND, Pictures.raw(BusyScenes.ballOnGravel().picture()))
                    .setEngine("isnet");
            Unsupported refused = assertThrows(Unsupported.class, () -> client.submit(named));
            assertTrue(refused.getHowToEnable().contains("damaged") && refused.getHowToEnable().contains("atelier models install isnet"),
                    refused.getHowToEnable());

            assertEquals("isnet-small", client.edit(named.deepCopy().setEngine("auto"), JobListener.SILENT).getEngine());
        }
    }

    @Test
    void withNoModelsAutoIsTheEmbeddedEngineAndNamingIsnetSaysHowToInstallIt(@TempDir Path root) throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(root); AtelierClient client = fixture.client()) {
            assertEquals(List.of(), client.capabilities().getModels());
            Unsupported refused = assertThrows(Unsupported.class, () -> client.submit(new EditRequest(Operation.REMOVE_BACKGROUND,
                    Pictures.raw(BusyScenes.ballOnGravel().picture())).setEngine("isnet")));
            assertTrue(refused.getHowToEnable().contains("atelier models install isnet"), refused.getHowToEnable());
        }
    }
}
