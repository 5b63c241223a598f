package atelier.daemon.neural.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.ReferenceData;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointMismatchException;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.SafetensorsWriter;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import atelier.daemon.neural.diffusion.sampling.GaussianNoise;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LoRA kinds the shared reference has no file for (LoKr, full .diff layers), each checked
 * against another kind describing the same change to a 3x3 convolution and an attention
 * projection: the same change must give the same prediction. And what is refused, named.
 */
class LoraKindsTest {

    private static final String CONV = "lora_unet_down_blocks_0_resnets_0_conv1";
    private static final String LINEAR = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
    private static final int WIDTH = 32;

    private static final TorchRuntime TORCH = TorchRuntime.cpu();
    private static Sd15Model model;

    @TempDir
    static Path dir;

    @BeforeAll
    static void load() throws Exception {
        model = Sd15Model.load("sd15-tiny", ReferenceData.file("sd15-tiny.safetensors"), null, ReferenceData.widths(), TORCH);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void aFullDiffGivesWhatTheLoConOfTheSameChangeGives() throws Exception {
        GaussianNoise noise = new GaussianNoise(11);
        int rank = 4;
        float[] convDown = scaled(noise.next(rank * WIDTH * 9), 0.05f);
        float[] convUp = scaled(noise.next(WIDTH * rank), 0.05f);
        float[] linDown = scaled(noise.next(rank * WIDTH), 0.1f);
        float[] linUp = scaled(noise.next(WIDTH * rank), 0.1f);
        Path locon = write("locon", new SafetensorsWriter()
                .add(CONV + ".lora_down.weight", DType.F32, new long[] {rank, WIDTH, 3, 3}, convDown)
                .add(CONV + ".lora_up.weight", DType.F32, new long[] {WIDTH, rank, 1, 1}, convUp)
                .add(LINEAR + ".lora_down.weight", DType.F32, new long[] {rank, WIDTH}, linDown)
                .add(LINEAR + ".lora_up.weight", DType.F32, new long[] {WIDTH, rank}, linUp));
        // The same change written out whole: up . down (alpha absent: scale 1).
        Path diff = write("diff", new SafetensorsWriter()
                .add(CONV + ".diff", DType.F32, new long[] {WIDTH, WIDTH, 3, 3}, product(convUp, convDown, WIDTH, rank, WIDTH * 9))
                .add(LINEAR + ".diff", DType.F32, new long[] {WIDTH, WIDTH}, product(linUp, linDown, WIDTH, rank, WIDTH)));
        float[] base = eps(List.of());
        float[] withLocon = eps(List.of(new Sd15Model.LoraUse(locon, 0.7)));
        float[] withDiff = eps(List.of(new Sd15Model.LoraUse(diff, 0.7)));
        assertTrue(largest(base, withLocon) > 1e-3, "the LoCon changes the prediction");
        assertTrue(largest(withLocon, withDiff) < 1e-5, "the .diff of the same change differs by " + largest(withLocon, withDiff));
    }

    @Test
    void aLoKrGivesWhatTheFullDiffOfItsKroneckerProductGives() throws Exception {
        GaussianNoise noise = new GaussianNoise(12);
        // kron(w1 (2x2), w2 (16x16x3x3)) is a 32x32x3x3 change; w2 comes as two rank-4 factors.
        float[] w1 = noise.next(4);
        float[] w2a = scaled(noise.next(16 * 4), 0.05f);
        float[] w2b = scaled(noise.next(4 * 16 * 9), 0.05f);
        Path lokr = write("lokr", new SafetensorsWriter()
                .add(CONV + ".lokr_w1", DType.F32, new long[] {2, 2}, w1)
                .add(CONV + ".lokr_w2_a", DType.F32, new long[] {16, 4}, w2a)
                .add(CONV + ".lokr_w2_b", DType.F32, new long[] {4, 16 * 9}, w2b)
                .add(CONV + ".alpha", DType.F32, new long[] {}, new float[] {2f}));
        float[] w2 = product(w2a, w2b, 16, 4, 16 * 9);
        float[] kron = new float[WIDTH * WIDTH * 9];
        for (int a0 = 0; a0 < 2; a0++) {
            for (int a1 = 0; a1 < 2; a1++) {
                for (int b0 = 0; b0 < 16; b0++) {
                    for (int b1 = 0; b1 < 16; b1++) {
                        for (int k = 0; k < 9; k++) {
                            int out = a0 * 16 + b0;
                            int in = a1 * 16 + b1;
                            // alpha / rank = 2 / 4 folded in here, so the .diff carries scale 1.
                            kron[(out * WIDTH + in) * 9 + k] = 0.5f * w1[a0 * 2 + a1] * w2[(b0 * 16 + b1) * 9 + k];
                        }
                    }
                }
            }
        }
        Path diff = write("lokr-as-diff", new SafetensorsWriter().add(CONV + ".diff", DType.F32, new long[] {WIDTH, WIDTH, 3, 3}, kron));
        float[] withLokr = eps(List.of(new Sd15Model.LoraUse(lokr, 1)));
        float[] withDiff = eps(List.of(new Sd15Model.LoraUse(diff, 1)));
        assertTrue(largest(eps(List.of()), withLokr) > 1e-3, "the LoKr changes the prediction");
        assertTrue(largest(withLokr, withDiff) < 1e-5, "LoKr and its product differ by " + largest(withLokr, withDiff));
    }

    @Test
    void peftTuckerAndLoHaFilesGiveWhatTheFullDiffOfTheirChangeGives() throws Exception {
        GaussianNoise noise = new GaussianNoise(13);
        int rank = 4;
        // PEFT: the LoCon's factors under diffusers' names with lora_A/lora_B and no alpha.
        float[] down = scaled(noise.next(rank * WIDTH * 9), 0.05f);
        float[] up = scaled(noise.next(WIDTH * rank), 0.05f);
        Path peft = write("peft", new SafetensorsWriter()
                .add("unet.down_blocks.0.resnets.0.conv1.lora_A.weight", DType.F32, new long[] {rank, WIDTH, 3, 3}, down)
                .add("unet.down_blocks.0.resnets.0.conv1.lora_B.weight", DType.F32, new long[] {WIDTH, rank, 1, 1}, up));
        Path peftDiff = write("peft-diff", new SafetensorsWriter()
                .add(CONV + ".diff", DType.F32, new long[] {WIDTH, WIDTH, 3, 3}, product(up, down, WIDTH, rank, WIDTH * 9)));
        assertSame("PEFT", peft, peftDiff);

        // Tucker: 1x1 down, 3x3 mid, 1x1 up; alpha 2 at rank 4 scales by 0.5.
        float[] tDown = scaled(noise.next(rank * WIDTH), 0.1f);
        float[] tMid = scaled(noise.next(rank * rank * 9), 0.2f);
        float[] tUp = scaled(noise.next(WIDTH * rank), 0.1f);
        Path tucker = write("tucker", new SafetensorsWriter()
                .add(CONV + ".lora_down.weight", DType.F32, new long[] {rank, WIDTH, 1, 1}, tDown)
                .add(CONV + ".lora_mid.weight", DType.F32, new long[] {rank, rank, 3, 3}, tMid)
                .add(CONV + ".lora_up.weight", DType.F32, new long[] {WIDTH, rank, 1, 1}, tUp)
                .add(CONV + ".alpha", DType.F32, new long[] {}, new float[] {2f}));
        float[] kernel = new float[WIDTH * WIDTH * 9];
        for (int o = 0; o < WIDTH; o++) {
            for (int i = 0; i < WIDTH; i++) {
                for (int k = 0; k < 9; k++) {
                    float sum = 0;
                    for (int a = 0; a < rank; a++) {
                        for (int b = 0; b < rank; b++) {
                            sum += tUp[o * rank + a] * tMid[(a * rank + b) * 9 + k] * tDown[b * WIDTH + i];
                        }
                    }
                    kernel[(o * WIDTH + i) * 9 + k] = 0.5f * sum;
                }
            }
        }
        assertSame("Tucker", tucker, write("tucker-diff", new SafetensorsWriter()
                .add(CONV + ".diff", DType.F32, new long[] {WIDTH, WIDTH, 3, 3}, kernel)));

        // LoHa: (w1_a w1_b) * (w2_a w2_b), elementwise, on the attention projection; alpha 4 at rank 4: scale 1.
        float[] w1a = scaled(noise.next(WIDTH * rank), 0.3f);
        float[] w1b = scaled(noise.next(rank * WIDTH), 0.3f);
        float[] w2a = scaled(noise.next(WIDTH * rank), 0.3f);
        float[] w2b = scaled(noise.next(rank * WIDTH), 0.3f);
        Path loha = write("loha", new SafetensorsWriter()
                .add(LINEAR + ".hada_w1_a", DType.F32, new long[] {WIDTH, rank}, w1a)
                .add(LINEAR + ".hada_w1_b", DType.F32, new long[] {rank, WIDTH}, w1b)
                .add(LINEAR + ".hada_w2_a", DType.F32, new long[] {WIDTH, rank}, w2a)
                .add(LINEAR + ".hada_w2_b", DType.F32, new long[] {rank, WIDTH}, w2b)
                .add(LINEAR + ".alpha", DType.F32, new long[] {}, new float[] {4f}));
        float[] first = product(w1a, w1b, WIDTH, rank, WIDTH);
        float[] second = product(w2a, w2b, WIDTH, rank, WIDTH);
        for (int i = 0; i < first.length; i++) {
            first[i] *= second[i];
        }
        assertSame("LoHa", loha, write("loha-diff", new SafetensorsWriter()
                .add(LINEAR + ".diff", DType.F32, new long[] {WIDTH, WIDTH}, first)));
    }

    /** The file changes the prediction, and exactly as the full difference of its change does. */
    private static void assertSame(String kind, Path file, Path asDiff) throws Exception {
        float[] withFile = eps(List.of(new Sd15Model.LoraUse(file, 0.9)));
        float[] withDiff = eps(List.of(new Sd15Model.LoraUse(asDiff, 0.9)));
        assertTrue(largest(eps(List.of()), withFile) > 1e-3, kind + " changes the prediction");
        assertTrue(largest(withFile, withDiff) < 1e-5, kind + " and its full difference differ by " + largest(withFile, withDiff));
    }

    @Test
    void doraAnUnknownKeyAndANameOfNoLayerAreRefusedNamingTheKey() throws Exception {
        Path dora = write("dora", new SafetensorsWriter()
                .add(LINEAR + ".lora_down.weight", DType.F32, new long[] {4, WIDTH}, new float[4 * WIDTH])
                .add(LINEAR + ".lora_up.weight", DType.F32, new long[] {WIDTH, 4}, new float[4 * WIDTH])
                .add(LINEAR + ".dora_scale", DType.F32, new long[] {WIDTH, 1}, new float[WIDTH]));
        assertRefused(dora, "dora_scale");
        Path odd = write("odd", new SafetensorsWriter().add(LINEAR + ".weird_factor", DType.F32, new long[] {4}, new float[4]));
        assertRefused(odd, "weird_factor");
        Path nowhere = write("nowhere", new SafetensorsWriter()
                .add("lora_unet_down_blocks_7_resnets_0_conv1.lora_down.weight", DType.F32, new long[] {4, WIDTH, 3, 3}, new float[4 * WIDTH * 9])
                .add("lora_unet_down_blocks_7_resnets_0_conv1.lora_up.weight", DType.F32, new long[] {WIDTH, 4, 1, 1}, new float[4 * WIDTH]));
        assertRefused(nowhere, "down_blocks_7");
    }

    private static void assertRefused(Path file, String named) {
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> eps(List.of(new Sd15Model.LoraUse(file, 1))));
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    /** The UNet's prediction for fixed inputs with these LoRAs on. */
    private static float[] eps(List<Sd15Model.LoraUse> loras) throws Exception {
        return model.inRequest(loras, request -> {
            GaussianNoise noise = new GaussianNoise(5);
            NDArray x = request.create(noise.next(4 * 8 * 8), new Shape(1, 4, 8, 8));
            NDArray t = request.create(new float[] {500f});
            NDArray context = request.create(noise.next(77 * 64), new Shape(1, 77, 64));
            return model.unet().predictNoise(x, t, context, null).toFloatArray();
        });
    }

    private static Path write(String name, SafetensorsWriter writer) throws Exception {
        Path file = dir.resolve(name + ".safetensors");
        writer.write(file);
        return file;
    }

    /** (rows x inner) times (inner x cols), row-major. */
    private static float[] product(float[] a, float[] b, int rows, int inner, int cols) {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < inner; k++) {
                for (int c = 0; c < cols; c++) {
                    out[r * cols + c] += a[r * inner + k] * b[k * cols + c];
                }
            }
        }
        return out;
    }

    private static float[] scaled(float[] values, float by) {
        for (int i = 0; i < values.length; i++) {
            values[i] *= by;
        }
        return values;
    }

    private static double largest(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
