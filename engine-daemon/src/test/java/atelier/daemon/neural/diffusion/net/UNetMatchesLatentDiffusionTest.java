package atelier.daemon.neural.diffusion.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * The UNet against the original latent-diffusion UNetModel (vendored, run by Debian's
 * python3-torch) on the same random weights, read from the same safetensors file, and the same
 * inputs, in fp32 on the CPU.
 */
class UNetMatchesLatentDiffusionTest {

    /**
     * Small, but with SD 1.5's structure, 8 heads and the 32 groups the reference's normalization()
     * hard-codes: level widths 32, 64, 128, 128 and a 24-wide context.
     */
    static final Sd15Widths COMPARED = new Sd15Widths(32, 4, 32, 24, 1, 16, 77, 8, 2, 32);

    private static final int BATCH = 2;
    private static final int SIDE = 16;
    private static final float[] TIMESTEPS = {999f, 261.5f};
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    @Test
    void textToImageUNetMatchesLatentDiffusion() throws Exception {
        double diff = compare(COMPARED, false);
        System.out.printf("UNet (4 channels) vs latent-diffusion: max abs diff %.3g%n", diff);
        assertTrue(diff < TOLERANCE, "max abs diff " + diff);
    }

    @Test
    void inpaintingUNetMatchesLatentDiffusion() throws Exception {
        double diff = compare(COMPARED.withUnetInChannels(9), false);
        System.out.printf("UNet (9 channels) vs latent-diffusion: max abs diff %.3g%n", diff);
        assertTrue(diff < TOLERANCE, "max abs diff " + diff);
    }

    @Test
    void controlResidualsAddWhereControlNetAddsThem() throws Exception {
        double diff = compare(COMPARED, true);
        System.out.printf("UNet with control residuals vs cldm ControlledUnetModel: max abs diff %.3g%n", diff);
        assertTrue(diff < TOLERANCE, "max abs diff " + diff);
    }

    @Test
    void zeroResidualsChangeNothingAndOthersChangeTheOutput() throws Exception {
        Path file = checkpoint(COMPARED);
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager m = torch.newManager()) {
            UNet unet = load(COMPARED, file, m);
            Inputs in = inputs(COMPARED, m);
            float[] plain = unet.predictNoise(in.x, in.timesteps, in.context, null).toFloatArray();
            List<Shape> shapes = unet.skipShapes(in.x.getShape());
            List<NDArray> zeros = shapes.stream().map(s -> m.zeros(s)).toList();
            float[] zero = unet.predictNoise(in.x, in.timesteps, in.context,
                    new ControlResiduals(zeros, m.zeros(shapes.get(shapes.size() - 1)))).toFloatArray();
            assertArrayEquals(plain, zero);
            List<NDArray> ones = shapes.stream().map(s -> m.ones(s).mul(0.1f)).toList();
            float[] pushed = unet.predictNoise(in.x, in.timesteps, in.context,
                    new ControlResiduals(ones, m.zeros(shapes.get(shapes.size() - 1)))).toFloatArray();
            assertTrue(TorchReference.maxAbsDifference(plain, pushed) > 1e-3);
        }
    }

    @Test
    void everyParameterIsNamedByItsCheckpointKeyInTheCheckpointsOrder() {
        for (Sd15Widths widths : new Sd15Widths[] {Sd15Widths.SD15, Sd15Widths.SD15.withUnetInChannels(9), TinyCheckpoint.TINY}) {
            Map<String, Shape> declared = new LinkedHashMap<>();
            CheckpointWeights.slots(new UNet(widths)).forEach(s -> declared.put(s.getKey().getName(), s.getValue()));
            Map<String, Shape> layout = new LinkedHashMap<>();
            Sd15Layout.unet(widths).forEach((key, shape) -> layout.put(key, shapeOf(shape)));
            assertEquals(new ArrayList<>(layout.keySet()), new ArrayList<>(declared.keySet()), "keys of " + widths);
            assertEquals(layout, declared, "shapes of " + widths);
        }
    }

    private static Shape shapeOf(ExpectedShape expected) {
        return new Shape(expected.shape().stream().mapToLong(Long::longValue).toArray());
    }

    /** The largest difference between this UNet and the reference on the same file and inputs. */
    private double compare(Sd15Widths widths, boolean withControl) throws Exception {
        Path file = checkpoint(widths);
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager m = torch.newManager()) {
            UNet unet = load(widths, file, m);
            Inputs in = inputs(widths, m);
            Map<String, TorchReference.Tensor> tensors = new LinkedHashMap<>();
            tensors.put("x", tensor(in.x));
            tensors.put("timesteps", tensor(in.timesteps));
            tensors.put("context", tensor(in.context));
            ControlResiduals control = null;
            if (withControl) {
                List<NDArray> residuals = new ArrayList<>();
                GaussianNoise noise = new GaussianNoise(41);
                for (Shape shape : unet.skipShapes(in.x.getShape())) {
                    NDArray r = m.create(noise.next((int) shape.size()), shape).mul(0.5f);
                    tensors.put("control." + residuals.size(), tensor(r));
                    residuals.add(r);
                }
                NDArray middle = m.create(noise.next((int) residuals.get(11).size()), residuals.get(11).getShape());
                tensors.put("control.middle", tensor(middle));
                control = new ControlResiduals(residuals, middle);
            }
            NDArray eps = unet.predictNoise(in.x, in.timesteps, in.context, control);
            assertEquals(new Shape(BATCH, 4, SIDE, SIDE), eps.getShape());
            float[] reference = TorchReference.run("unet_reference.py", dir, tensors, file.toString(),
                    String.valueOf(widths.unetInChannels()), String.valueOf(widths.modelChannels()),
                    String.valueOf(widths.unetHeads()), String.valueOf(widths.textWidth())).get("eps");
            double largest = 0;
            for (float v : reference) {
                largest = Math.max(largest, Math.abs(v));
            }
            System.out.printf("  (reference output up to |%.3f|)%n", largest);
            return TorchReference.maxAbsDifference(eps.toFloatArray(), reference);
        }
    }

    private Path checkpoint(Sd15Widths widths) throws Exception {
        Path file = dir.resolve("unet-" + widths.unetInChannels() + ".safetensors");
        TinyCheckpoint.randomWeights(Sd15Layout.unet(widths), DType.F32, 7).write(file);
        return file;
    }

    private static UNet load(Sd15Widths widths, Path file, NDManager m) throws Exception {
        UNet unet = new UNet(widths, 64); // a slice smaller than the 256 query rows, so slicing is exercised
        CheckpointWeights.load(unet, Safetensors.open(file), m, m.getDevice(), TorchRuntime.cpu().computeType());
        return unet;
    }

    private record Inputs(NDArray x, NDArray timesteps, NDArray context) {
    }

    private static Inputs inputs(Sd15Widths widths, NDManager m) {
        GaussianNoise noise = new GaussianNoise(5);
        Shape xShape = new Shape(BATCH, widths.unetInChannels(), SIDE, SIDE);
        Shape contextShape = new Shape(BATCH, widths.textPositions(), widths.textWidth());
        return new Inputs(m.create(noise.next((int) xShape.size()), xShape), m.create(TIMESTEPS),
                m.create(noise.next((int) contextShape.size()), contextShape));
    }

    private static TorchReference.Tensor tensor(NDArray array) {
        return new TorchReference.Tensor(array.getShape().getShape(), array.toFloatArray());
    }
}
