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
 * The UNet's structure and control residuals. What it computes, against the original
 * latent-diffusion UNetModel, is checked by the {@code unet}, {@code unet-inpainting} and
 * {@code unet-controlled} cases of ../shared/reference (ReferenceCasesTest).
 */
class UNetTest {

    /** Small, but with SD 1.5's structure, 8 heads and 32 groups: level widths 32, 64, 128, 128 and a 24-wide context. */
    static final Sd15Widths COMPARED = new Sd15Widths(32, 4, 32, 24, 1, 16, 77, 8, 2, 32);

    private static final int BATCH = 2;
    private static final int SIDE = 16;
    private static final float[] TIMESTEPS = {999f, 261.5f};

    @TempDir
    Path dir;

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

}
