package atelier.daemon.neural.diffusion.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.TinyCheckpoint;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.ExpectedShape;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.sampling.GaussianNoise;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ControlNet against lllyasviel's cldm.ControlNet (vendored in src/test/python/cldm_reference,
 * run by Debian's python3-torch) on the same random weights, read from the same safetensors
 * file, and the same inputs, in fp32 on the CPU: every one of the 13 residuals.
 */
class ControlNetMatchesReferenceTest {

    /** The UNet comparison's widths: SD 1.5's structure with the 32 groups the reference hard-codes. */
    private static final Sd15Widths COMPARED = UNetMatchesLatentDiffusionTest.COMPARED;
    private static final int BATCH = 2;
    private static final int SIDE = 16;
    private static final float[] TIMESTEPS = {999f, 261.5f};
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    @Test
    void residualsMatchCldmControlNet() throws Exception {
        double diff = compare(Sd15Layout.CONTROL, 1);
        System.out.printf("ControlNet vs cldm.ControlNet, 13 residuals: max abs diff %.3g%n", diff);
        assertTrue(diff < TOLERANCE, "max abs diff " + diff);
    }

    @Test
    void strengthScalesTheResidualsOfAFileWithoutThePrefix() throws Exception {
        double diff = compare("", 0.6f);
        System.out.printf("ControlNet (unprefixed keys, strength 0.6) vs cldm.ControlNet x 0.6: max abs diff %.3g%n", diff);
        assertTrue(diff < TOLERANCE, "max abs diff " + diff);
    }

    @Test
    void everyParameterIsNamedByItsCheckpointKeyInTheFilesOrder() {
        for (Sd15Widths widths : new Sd15Widths[] {Sd15Widths.SD15, TinyCheckpoint.TINY}) {
            for (String prefix : new String[] {Sd15Layout.CONTROL, ""}) {
                Map<String, Shape> declared = new LinkedHashMap<>();
                CheckpointWeights.slots(new ControlNet(widths, prefix, Attention.DEFAULT_SLICE))
                        .forEach(s -> declared.put(s.getKey().getName(), s.getValue()));
                Map<String, Shape> layout = new LinkedHashMap<>();
                Sd15Layout.controlNet(prefix, widths).forEach((key, shape) -> layout.put(key, shapeOf(shape)));
                assertEquals(new ArrayList<>(layout.keySet()), new ArrayList<>(declared.keySet()), "keys of " + widths);
                assertEquals(layout, declared, "shapes of " + widths);
            }
        }
    }

    private static Shape shapeOf(ExpectedShape expected) {
        return new Shape(expected.shape().stream().mapToLong(Long::longValue).toArray());
    }

    /** The largest difference over all residuals between this ControlNet and the reference's. */
    private double compare(String prefix, float strength) throws Exception {
        Path file = dir.resolve("controlnet.safetensors");
        TinyCheckpoint.randomWeights(Sd15Layout.controlNet(prefix, COMPARED), DType.F32, 9).write(file);
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager m = torch.newManager()) {
            ControlNet net = ControlNet.load(Safetensors.open(file), COMPARED, m, torch);
            GaussianNoise noise = new GaussianNoise(5);
            Shape xShape = new Shape(BATCH, 4, SIDE, SIDE);
            Shape hintShape = new Shape(BATCH, 3, 8 * SIDE, 8 * SIDE);
            Shape contextShape = new Shape(BATCH, COMPARED.textPositions(), COMPARED.textWidth());
            NDArray x = m.create(noise.next((int) xShape.size()), xShape);
            NDArray hint = m.randomUniform(0, 1, hintShape); // a picture in 0..1
            NDArray timesteps = m.create(TIMESTEPS);
            NDArray context = m.create(noise.next((int) contextShape.size()), contextShape);
            ControlResiduals residuals = net.forward(x, hint, timesteps, context, strength);

            Map<String, TorchReference.Tensor> tensors = new LinkedHashMap<>();
            for (var entry : Map.of("x", x, "hint", hint, "timesteps", timesteps, "context", context).entrySet()) {
                tensors.put(entry.getKey(), new TorchReference.Tensor(entry.getValue().getShape().getShape(),
                        entry.getValue().toFloatArray()));
            }
            Map<String, float[]> reference = TorchReference.run("controlnet_reference.py", dir, tensors, file.toString(),
                    String.valueOf(COMPARED.modelChannels()), String.valueOf(COMPARED.unetHeads()),
                    String.valueOf(COMPARED.textWidth()), String.valueOf(strength));
            List<NDArray> ours = new ArrayList<>(residuals.inputs());
            ours.add(residuals.middle());
            assertEquals(13, reference.size());
            double worst = 0;
            List<Shape> expected = net.skipShapes(xShape);
            expected.add(expected.get(expected.size() - 1));
            for (int i = 0; i < ours.size(); i++) {
                assertEquals(expected.get(i), ours.get(i).getShape(), "residual " + i);
                float[] theirs = reference.get("control." + i);
                double largest = 0;
                for (float v : theirs) {
                    largest = Math.max(largest, Math.abs(v));
                }
                double diff = TorchReference.maxAbsDifference(ours.get(i).toFloatArray(), theirs);
                System.out.printf("  residual %2d %s: max abs diff %.3g (reference up to |%.3f|)%n", i, ours.get(i).getShape(), diff,
                        largest);
                assertTrue(largest > 1e-2, "residual " + i + " is all but zero: the comparison would prove nothing");
                worst = Math.max(worst, diff);
            }
            return worst;
        }
    }
}
