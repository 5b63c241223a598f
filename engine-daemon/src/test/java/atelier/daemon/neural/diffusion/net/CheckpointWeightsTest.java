package atelier.daemon.neural.diffusion.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointMismatchException;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointWeightsTest {

    @TempDir
    Path dir;

    /** A norm followed by a 1x1 conv, under a checkpoint-style key. */
    private static final class NormThenConv extends NetworkBlock {
        final GroupNorm norm;
        final Conv2d conv;

        NormThenConv(String key) {
            super(key);
            norm = child("norm", new GroupNorm(keyOf("norm"), 2, 4, 1e-5f));
            conv = child("conv", new Conv2d(keyOf("conv"), 4, 3, 1));
        }

        @Override
        public NDArray apply(NDArray x) {
            return conv.apply(norm.apply(x));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            return conv.getOutputShapes(inputs);
        }
    }

    private static float[] ramp(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(i * 1.7 + 0.3) * scale;
        }
        return v;
    }

    private Path write(DType dtype, String skip, long[] convShape) throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter();
        if (!"m.norm.weight".equals(skip)) {
            writer.add("m.norm.weight", dtype, new long[] {4}, new float[] {1f, 2f, 0.5f, -1f});
        }
        writer.add("m.norm.bias", dtype, new long[] {4}, new float[] {0f, 0.25f, -0.5f, 1f});
        writer.add("m.conv.weight", dtype, convShape, ramp((int) (convShape[0] * convShape[1] * convShape[2] * convShape[3]), 1f));
        writer.add("m.conv.bias", dtype, new long[] {3}, new float[] {0.5f, -0.5f, 0.125f});
        writer.add("unrelated.key", dtype, new long[] {1}, new float[] {7f});
        Path file = dir.resolve(dtype + "-" + skip + ".safetensors");
        writer.write(file);
        return file;
    }

    /** The same computation written out in plain Java, as GroupNorm and Conv2d are defined in torch. */
    private static float[] expected(float[] x, int h, int w, float[] gamma, float[] beta, float[] convWeight, float[] convBias) {
        int hw = h * w;
        float[] normed = new float[x.length];
        for (int g = 0; g < 2; g++) {
            double sum = 0;
            double sq = 0;
            int from = g * 2 * hw;
            for (int i = from; i < from + 2 * hw; i++) {
                sum += x[i];
            }
            double mean = sum / (2 * hw);
            for (int i = from; i < from + 2 * hw; i++) {
                sq += (x[i] - mean) * (x[i] - mean);
            }
            double inv = 1 / Math.sqrt(sq / (2 * hw) + 1e-5);
            for (int i = from; i < from + 2 * hw; i++) {
                int c = i / hw;
                normed[i] = (float) ((x[i] - mean) * inv * gamma[c] + beta[c]);
            }
        }
        float[] out = new float[3 * hw];
        for (int o = 0; o < 3; o++) {
            for (int p = 0; p < hw; p++) {
                double s = convBias[o];
                for (int c = 0; c < 4; c++) {
                    s += convWeight[o * 4 + c] * normed[c * hw + p];
                }
                out[o * hw + p] = (float) s;
            }
        }
        return out;
    }

    @Test
    void loadingIsAWalkOverCheckpointKeysAndTheBlocksComputeWhatTorchDefines() throws IOException {
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Path file = write(dtype, "", new long[] {3, 4, 1, 1});
            NormThenConv block = new NormThenConv("m");
            TorchRuntime torch = TorchRuntime.cpu();
            try (NDManager manager = torch.newManager()) {
                CheckpointWeights.load(block, Safetensors.open(file), manager, torch.device(), torch.computeType());
                Safetensors read = Safetensors.open(file);
                float[] x = ramp(4 * 3 * 5, 2f);
                NDArray out = block.apply(manager.create(x, new Shape(1, 4, 3, 5)));
                assertEquals(new Shape(1, 3, 3, 5), out.getShape());
                float[] want = expected(x, 3, 5, read.floats("m.norm.weight"), read.floats("m.norm.bias"),
                        read.floats("m.conv.weight"), read.floats("m.conv.bias"));
                float[] got = out.toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-4, dtype + " value " + i);
                }
            }
        }
    }

    @Test
    void parameterNamesAreTheCheckpointKeys() {
        Block block = new NormThenConv("first_stage_model.decoder.mid");
        assertEquals(java.util.List.of("first_stage_model.decoder.mid.norm.weight", "first_stage_model.decoder.mid.norm.bias",
                "first_stage_model.decoder.mid.conv.weight", "first_stage_model.decoder.mid.conv.bias"),
                CheckpointWeights.slots(block).stream().map(s -> s.getKey().getName()).toList());
    }

    @Test
    void aMissingKeyIsNamedAndNothingIsHalfLoaded() throws IOException {
        Path file = write(DType.F32, "m.norm.weight", new long[] {3, 4, 1, 1});
        NormThenConv block = new NormThenConv("m");
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager manager = torch.newManager()) {
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                    () -> CheckpointWeights.load(block, Safetensors.open(file), manager, torch.device(), torch.computeType()));
            assertTrue(e.getMessage().contains("'m.norm.weight' is missing"), e.getMessage());
            assertFalse(block.conv.getDirectParameters().get("m.conv.weight").isInitialized());
        }
    }

    @Test
    void aShapeMismatchNamesTheKeyAndBothShapes() throws IOException {
        Path file = write(DType.F16, "", new long[] {3, 4, 3, 3});
        NormThenConv block = new NormThenConv("m");
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager manager = torch.newManager()) {
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                    () -> CheckpointWeights.load(block, Safetensors.open(file), manager, torch.device(), torch.computeType()));
            assertTrue(e.getMessage().contains("'m.conv.weight' has shape [3, 4, 3, 3] where this network needs [3, 4, 1, 1]"),
                    e.getMessage());
        }
    }

    @Test
    void theCpuRunsInFloat32AndAGpuIsOnlyChosenWhenDjlReportsOne() {
        TorchRuntime detected = TorchRuntime.detect();
        if (detected.engine().getGpuCount() == 0) {
            assertEquals(TorchRuntime.cpu().device(), detected.device());
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, detected.computeType());
        } else {
            assertTrue(detected.device().isGpu());
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT16, detected.computeType());
        }
        assertArrayEquals(new float[] {2f}, TorchRuntime.cpu().newManager().create(new float[] {2f}).toFloatArray());
    }
}
