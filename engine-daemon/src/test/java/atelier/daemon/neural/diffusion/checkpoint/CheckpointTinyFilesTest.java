package atelier.daemon.neural.diffusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.neural.diffusion.TinyCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The tiny models tests build are real safetensors files the inspector recognises as their full-size kin. */
class CheckpointTinyFilesTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void aTinyCheckpointIsSd15InEveryFloatType(DType dtype) throws Exception {
        Path file = TinyCheckpoint.sd15(dir.resolve("tiny-" + dtype + ".safetensors"), dtype, 1);
        assertEquals(Identification.of(CheckpointKind.SD15), CheckpointInspector.identify(file));
        Safetensors read = Safetensors.open(file);
        assertEquals(TinyCheckpoint.TINY, CheckpointInspector.requireSd15(read.header(), TinyCheckpoint.TINY));
        CheckpointMismatchException asSd15 = assertThrows(CheckpointMismatchException.class,
                () -> CheckpointInspector.requireSd15(read.header()));
        assertEquals(file.getFileName() + ": model channels 8 is not a positive multiple of 32: the UNet's group norms have 32"
                + " groups", asSd15.getMessage());
        assertEquals(dtype, read.tensor(CheckpointInspector.UNET_FIRST_CONV).dtype());
        assertTrue(Files.size(file) < 8_000_000, "tiny means tiny: " + Files.size(file) + " bytes");
    }

    @Test
    void theSameSeedGivesTheSameWeightsAndHalfTypesHoldThemToTheirPrecision() throws Exception {
        Safetensors f32 = Safetensors.open(TinyCheckpoint.sd15(dir.resolve("a.safetensors"), DType.F32, 7));
        Safetensors again = Safetensors.open(TinyCheckpoint.sd15(dir.resolve("b.safetensors"), DType.F32, 7));
        Safetensors f16 = Safetensors.open(TinyCheckpoint.sd15(dir.resolve("c.safetensors"), DType.F16, 7));
        String key = Sd15Layout.UNET + "output_blocks.8.2.conv.weight";
        float[] exact = f32.floats(key);
        assertArrayEquals(exact, again.floats(key));
        float[] half = f16.floats(key);
        for (int i = 0; i < exact.length; i++) {
            assertEquals(exact[i], half[i], Math.abs(exact[i]) * 0x1p-11 + 0x1p-25, "value " + i);
        }
    }

    @Test
    void theTinyInpaintingVaeControlNetAndLoraFilesAreRecognised() throws Exception {
        assertEquals(Identification.of(CheckpointKind.SD15_INPAINTING),
                CheckpointInspector.identify(TinyCheckpoint.sd15Inpainting(dir.resolve("inpaint.safetensors"), DType.F16, 2)));
        assertEquals(Identification.of(CheckpointKind.VAE),
                CheckpointInspector.identify(TinyCheckpoint.vae(dir.resolve("vae.safetensors"), DType.F32, 3)));
        assertEquals(Identification.of(CheckpointKind.CONTROLNET),
                CheckpointInspector.identify(TinyCheckpoint.controlNet(dir.resolve("lineart.safetensors"), DType.F16, 4)));
        Path lora = TinyCheckpoint.lora(dir.resolve("style.safetensors"), 4, DType.F16, 5);
        assertEquals(Identification.of(CheckpointKind.LORA), CheckpointInspector.identify(lora));
        Safetensors read = Safetensors.open(lora);
        assertEquals("4", read.header().metadata().get("ss_network_dim"));
        assertArrayEquals(new long[] {4, 8},
                read.tensor("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight").shape());
        assertArrayEquals(new long[] {32, 4},
                read.tensor("lora_unet_up_blocks_1_attentions_2_transformer_blocks_0_attn2_to_out_0.lora_up.weight").shape());
    }
}
