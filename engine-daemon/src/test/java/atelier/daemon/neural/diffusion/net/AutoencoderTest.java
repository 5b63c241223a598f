package atelier.daemon.neural.diffusion.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.TinyCheckpoint;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointMismatchException;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.ExpectedShape;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.SafetensorsWriter;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VAE's loading: standalone VAE files as artists have them, and the key layout. What it
 * computes, against the original latent-diffusion Encoder and Decoder, is the
 * {@code vae-encode}, {@code vae-decode} and {@code sampling-ddim-decode} cases of
 * ../shared/reference (ReferenceCasesTest).
 */
class AutoencoderTest {

    /** A VAE 32 wide with SD 1.5's 32 groups; the UNet and text widths play no part. */
    static final Sd15Widths WIDTHS = new Sd15Widths(32, 4, 32, 32, 1, 1, 1, 1, 1, 32);

    @TempDir
    Path dir;

    static float[] uniform(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    @Test
    void aStandaloneVaeFileLoadsWithoutPrefixAndWithLinearAttentionWeights() throws Exception {
        // As diffusers-converted VAE files ship: no first_stage_model. prefix, the middle
        // attention's q/k/v/proj_out stored as [out, in] linear weights.
        Map<String, ExpectedShape> layout = Sd15Layout.vae("", TinyCheckpoint.TINY.vaeChannels());
        SafetensorsWriter conv = TinyCheckpoint.randomWeights(layout, DType.F16, 3);
        Path convFile = dir.resolve("conv.safetensors");
        conv.write(convFile);
        Safetensors asConv = Safetensors.open(convFile);
        SafetensorsWriter linear = new SafetensorsWriter();
        for (String key : layout.keySet()) {
            long[] shape = asConv.tensor(key).shape();
            if (key.contains(".attn_1.") && shape.length == 4) {
                shape = new long[] {shape[0], shape[1]};
            }
            linear.add(key, DType.F16, shape, asConv.floats(key));
        }
        Path linearFile = dir.resolve("linear.safetensors");
        linear.write(linearFile);

        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager manager = torch.newManager()) {
            NDArray latents = manager.create(uniform(4 * 3 * 3, 5), new Shape(1, 4, 3, 3));
            float[][] images = new float[2][];
            Path[] files = {convFile, linearFile};
            for (int i = 0; i < 2; i++) {
                Autoencoder vae = new Autoencoder("", TinyCheckpoint.TINY);
                CheckpointWeights.load(vae, Safetensors.open(files[i]), manager, torch.device(), torch.computeType());
                images[i] = vae.decode(latents).toFloatArray();
            }
            assertEquals(3 * 24 * 24, images[0].length);
            assertArrayEquals(images[0], images[1]);
        }
    }

    @Test
    void aMissingOrMisshapenKeyIsNamed() throws Exception {
        Map<String, ExpectedShape> layout = Sd15Layout.vae(Sd15Layout.VAE, TinyCheckpoint.TINY.vaeChannels());
        String dropped = "first_stage_model.decoder.up.2.block.1.norm2.bias";
        SafetensorsWriter partial = new SafetensorsWriter();
        Path fullFile = dir.resolve("full.safetensors");
        TinyCheckpoint.randomWeights(layout, DType.F32, 4).write(fullFile);
        Safetensors full = Safetensors.open(fullFile);
        for (String key : layout.keySet()) {
            long[] shape = full.tensor(key).shape();
            if (key.equals(dropped)) {
                continue;
            }
            partial.add(key, DType.F32, shape, full.floats(key));
        }
        Path missing = dir.resolve("missing.safetensors");
        partial.write(missing);
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager manager = torch.newManager()) {
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> CheckpointWeights.load(
                    new Autoencoder(Sd15Layout.VAE, TinyCheckpoint.TINY), Safetensors.open(missing), manager, torch.device(),
                    torch.computeType()));
            assertTrue(e.getMessage().contains("'" + dropped + "' is missing"), e.getMessage());

            // A file of another width: the first key read names both shapes.
            Path wider = dir.resolve("wider.safetensors");
            TinyCheckpoint.randomWeights(Sd15Layout.vae(Sd15Layout.VAE, 16), DType.F32, 4).write(wider);
            e = assertThrows(CheckpointMismatchException.class, () -> CheckpointWeights.load(
                    new Autoencoder(Sd15Layout.VAE, TinyCheckpoint.TINY), Safetensors.open(wider), manager, torch.device(),
                    torch.computeType()));
            assertTrue(e.getMessage().contains("'first_stage_model.encoder.conv_in.weight' has shape [16, 3, 3, 3] where this "
                    + "network needs [8, 3, 3, 3]"), e.getMessage());
        }
    }

    @Test
    void theNetworkDeclaresExactlyTheLayoutsKeysInItsOrder() {
        for (String prefix : new String[] {Sd15Layout.VAE, ""}) {
            var layout = Sd15Layout.vae(prefix, Sd15Widths.SD15.vaeChannels());
            var slots = CheckpointWeights.slots(new Autoencoder(prefix, Sd15Widths.SD15));
            assertEquals(java.util.List.copyOf(layout.keySet()), slots.stream().map(s -> s.getKey().getName()).toList());
            for (var slot : slots) {
                assertTrue(layout.get(slot.getKey().getName()).matches(java.util.Arrays.stream(slot.getValue().getShape()).boxed().toList()),
                        slot.getKey().getName());
            }
        }
    }
}
