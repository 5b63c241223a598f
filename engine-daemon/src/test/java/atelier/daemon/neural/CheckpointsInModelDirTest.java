package atelier.daemon.neural;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.models.ModelManifest;
import atelier.bridge.thrift.ModelInfo;
import atelier.daemon.neural.diffusion.TinyCheckpoint;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An artist drops .safetensors files into the model directory; capabilities list each by name and kind. */
class CheckpointsInModelDirTest {

    private static Map<String, String> kinds(List<ModelInfo> infos) {
        return infos.stream().collect(Collectors.toMap(ModelInfo::getName, ModelInfo::getKind));
    }

    @Test
    void droppedCheckpointsAreListedByFileNameAndKind(@TempDir Path models) throws Exception {
        TinyCheckpoint.sd15(models.resolve("tiny-dream.safetensors"), DType.F16, 1);
        TinyCheckpoint.sd15Inpainting(models.resolve("tiny-inpaint.safetensors"), DType.F16, 2);
        TinyCheckpoint.vae(models.resolve("vae-ft-mse.safetensors"), DType.F32, 3);
        TinyCheckpoint.controlNet(models.resolve("control_lineart.safetensors"), DType.F16, 4);
        TinyCheckpoint.lora(models.resolve("watercolour.safetensors"), 4, DType.F16, 5);
        Files.write(models.resolve("half-downloaded.safetensors"), new byte[] {100, 0, 0, 0, 0, 0, 0, 0, '{'});
        Files.writeString(models.resolve("notes.txt"), "not a model");

        try (InstalledModels installed = InstalledModels.scan(models, ModelManifest.bundled())) {
            Map<String, String> kinds = kinds(installed.infos());
            assertEquals("sd15", kinds.get("tiny-dream"));
            assertEquals("sd15-inpainting", kinds.get("tiny-inpaint"));
            assertEquals("vae", kinds.get("vae-ft-mse"));
            assertEquals("controlnet", kinds.get("control_lineart"));
            assertEquals("lora", kinds.get("watercolour"));
            String broken = kinds.get("half-downloaded");
            assertTrue(broken.startsWith("unknown: half-downloaded.safetensors: header length 100 runs past the end"), broken);
            assertEquals(6, installed.infos().size(), "only .safetensors files, and no ISNet here: " + kinds);
            ModelInfo dream = installed.infos().stream().filter(m -> m.getName().equals("tiny-dream")).findFirst().orElseThrow();
            assertEquals(Files.size(models.resolve("tiny-dream.safetensors")), dream.getSizeBytes());
            assertEquals(List.of(), installed.cutoutEngines(), "a checkpoint is no cut-out engine");
        }
    }

    @Test
    void aCheckpointWithAMissingKeySaysWhichInItsKind(@TempDir Path models) throws Exception {
        Path file = TinyCheckpoint.sd15(models.resolve("tiny.safetensors"), DType.F16, 1);
        Safetensors source = Safetensors.open(file);
        SafetensorsWriter copy = new SafetensorsWriter();
        source.tensors().stream().filter(t -> !t.name().equals("model.diffusion_model.out.2.weight"))
                .filter(t -> t.dtype().convertsToFloat())
                .forEach(t -> copy.add(t.name(), t.dtype(), t.shape(), source.floats(t.name())));
        copy.write(models.resolve("pruned-wrong.safetensors"));

        try (InstalledModels installed = InstalledModels.scan(models, ModelManifest.bundled())) {
            assertEquals("unknown: looks like an SD 1.5 checkpoint, but model.diffusion_model.out.2.weight is missing",
                    kinds(installed.infos()).get("pruned-wrong"));
        }
    }

    @Test
    void checkpointsTheInstallerPutInPackageDirectoriesAreListedAndUnfinishedDownloadsAreNot(@TempDir Path models)
            throws Exception {
        Files.createDirectories(models.resolve("sd15-inpainting"));
        TinyCheckpoint.sd15Inpainting(models.resolve("sd15-inpainting/sd-v1-5-inpainting.safetensors"), DType.F16, 1);
        Files.createDirectories(models.resolve("controlnet-lineart"));
        TinyCheckpoint.controlNet(models.resolve("controlnet-lineart/control_v11p_sd15_lineart_fp16.safetensors"), DType.F16, 2);
        Files.createDirectories(models.resolve(".sd15.download"));
        TinyCheckpoint.sd15(models.resolve(".sd15.download/v1-5-pruned-emaonly.safetensors"), DType.F16, 3);

        try (InstalledModels installed = InstalledModels.scan(models, ModelManifest.bundled())) {
            Map<String, String> kinds = kinds(installed.infos());
            assertEquals(Map.of("sd-v1-5-inpainting", "sd15-inpainting", "control_v11p_sd15_lineart_fp16", "controlnet"), kinds);
        }
    }

    @Test
    void aMissingModelDirectoryListsNothing(@TempDir Path root) {
        try (InstalledModels installed = InstalledModels.scan(root.resolve("absent"), ModelManifest.bundled())) {
            assertEquals(List.of(), installed.infos());
        }
    }

    @Test
    void embeddingsInTheirFolderAreListedAndAPickleIsNeverOpened(@TempDir Path models) throws Exception {
        Path embeddings = Files.createDirectories(models.resolve("embeddings"));
        new atelier.daemon.neural.diffusion.checkpoint.SafetensorsWriter()
                .add("emb_params", DType.F32, new long[] {2, 768}, new float[2 * 768]).write(embeddings.resolve("houseStyle.safetensors"));
        new atelier.daemon.neural.diffusion.checkpoint.SafetensorsWriter()
                .add("emb_params", DType.F32, new long[] {2, 64}, new float[2 * 64]).write(embeddings.resolve("tiny.safetensors"));
        Files.write(embeddings.resolve("EasyNegative.pt"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's'});
        try (InstalledModels installed = InstalledModels.scan(models, ModelManifest.bundled())) {
            Map<String, String> kinds = kinds(installed.infos());
            assertEquals("embedding (2 vectors)", kinds.get("houseStyle"));
            assertTrue(kinds.get("tiny.safetensors").contains("768 wide"), kinds.toString());
            assertTrue(kinds.get("EasyNegative.pt").contains("pickle") && kinds.get("EasyNegative.pt").contains("convert it"),
                    kinds.toString());
        }
    }
}
