package atelier.daemon.neural.diffusion.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.TinyCheckpoint;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.ExpectedShape;
import atelier.daemon.neural.diffusion.ReferenceData;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.SafetensorsWriter;
import atelier.daemon.neural.diffusion.checkpoint.TensorInfo;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.sampling.GaussianNoise;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ControlNet's loading and strength. Its residuals against the original cldm.ControlNet are
 * the {@code controlnet} case of ../shared/reference (ReferenceCasesTest); here: a file without
 * lllyasviel's {@code control_model.} prefix loads to the same network, and strength scales
 * every residual.
 */
class ControlNetTest {

    private static final int BATCH = 2;
    private static final float[] TIMESTEPS = {999f, 261.5f};
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    @Test
    void strengthScalesTheResidualsOfAFileWithoutThePrefix() throws Exception {
        Path prefixed = ReferenceData.file("controlnet-tiny.safetensors");
        Safetensors file = Safetensors.open(prefixed);
        SafetensorsWriter unprefixed = new SafetensorsWriter();
        for (TensorInfo info : file.tensors()) {
            unprefixed.add(info.name().substring(Sd15Layout.CONTROL.length()), DType.F32, info.shape(), file.floats(info.name()));
        }
        Path bare = dir.resolve("unprefixed.safetensors");
        unprefixed.write(bare);
        Sd15Widths widths = ReferenceData.widths();
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager m = torch.newManager()) {
            ControlNet withPrefix = ControlNet.load(file, widths, m, torch);
            ControlNet without = ControlNet.load(Safetensors.open(bare), widths, m, torch);
            GaussianNoise noise = new GaussianNoise(7);
            NDArray x = m.create(noise.next(BATCH * 4 * 8 * 8), new Shape(BATCH, 4, 8, 8));
            NDArray hint = m.create(noise.next(BATCH * 3 * 64 * 64), new Shape(BATCH, 3, 64, 64)).abs().clip(0, 1);
            NDArray t = m.create(TIMESTEPS);
            NDArray context = m.create(noise.next(BATCH * 77 * widths.textWidth()), new Shape(BATCH, 77, widths.textWidth()));
            ControlResiduals full = withPrefix.forward(x, hint, t, context, 1f);
            ControlResiduals same = without.forward(x, hint, t, context, 1f);
            ControlResiduals scaled = without.forward(x, hint, t, context, 0.6f);
            for (int i = 0; i < full.inputs().size(); i++) {
                float[] a = full.inputs().get(i).toFloatArray();
                // The same weights from either file; PyTorch's CPU convolutions may split the sums differently
                // from one call to the next (seen once in CI: 9.5e-7), so "the same" is to float rounding.
                assertTrue(TorchReference.maxAbsDifference(a, same.inputs().get(i).toFloatArray()) < 1e-5, "residual " + i);
                assertTrue(TorchReference.maxAbsDifference(full.inputs().get(i).mul(0.6f).toFloatArray(),
                        scaled.inputs().get(i).toFloatArray()) < TOLERANCE, "residual " + i + " at strength 0.6");
            }
            assertTrue(TorchReference.maxAbsDifference(full.middle().mul(0.6f).toFloatArray(), scaled.middle().toFloatArray())
                    < TOLERANCE, "the middle residual at strength 0.6");
        }
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

}
