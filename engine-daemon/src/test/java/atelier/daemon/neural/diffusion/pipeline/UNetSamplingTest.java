package atelier.daemon.neural.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.diffusion.Sd15Reference;
import atelier.daemon.neural.diffusion.TinyCheckpoint;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointMismatchException;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.ExpectedShape;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.net.CheckpointWeights;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import atelier.daemon.neural.diffusion.net.UNet;
import atelier.daemon.neural.diffusion.sampling.EpsilonModel;
import atelier.daemon.neural.diffusion.sampling.GaussianNoise;
import atelier.daemon.neural.diffusion.sampling.Guidance;
import atelier.daemon.neural.diffusion.sampling.LatentShape;
import atelier.daemon.neural.diffusion.sampling.Latents;
import atelier.daemon.neural.diffusion.sampling.Sampler;
import atelier.daemon.neural.diffusion.sampling.Scheduler;
import atelier.daemon.neural.diffusion.sampling.TensorLatents;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny SD 1.5 UNet, loaded from a tiny fp16 checkpoint through the real loader, driven by every scheduler. */
class UNetSamplingTest {

    private static final LatentShape SHAPE = new LatentShape(4, 8, 8);
    private static final TorchRuntime TORCH = TorchRuntime.cpu();

    @TempDir
    static Path dir;
    private static Path textToImage;
    private static Path inpainting;

    @BeforeAll
    static void writeCheckpoints() throws IOException {
        textToImage = TinyCheckpoint.sd15(dir.resolve("tiny.safetensors"), DType.F16, 11);
        inpainting = TinyCheckpoint.sd15Inpainting(dir.resolve("tiny-inpainting.safetensors"), DType.F16, 12);
    }

    private static UNet load(Path file, Sd15Widths widths, NDManager manager) throws IOException {
        UNet unet = new UNet(widths);
        CheckpointWeights.load(unet, Safetensors.open(file), manager, TORCH.device(), TORCH.computeType());
        return unet;
    }

    /** Made-up text-encoder states (1, 77, width) for a prompt number. */
    private static NDArray text(NDManager manager, long prompt) {
        Sd15Widths w = TinyCheckpoint.TINY;
        return manager.create(new GaussianNoise(prompt).next(w.textPositions() * w.textWidth()),
                new Shape(1, w.textPositions(), w.textWidth()));
    }

    @Test
    void everySchedulerSamplesTheSameLatentsForASeedAndOthersForAnotherSeed() throws Exception {
        try (NDManager m = TORCH.newManager()) {
            UNet unet = load(textToImage, TinyCheckpoint.TINY, m);
            Guidance<NDArray> guidance = new Guidance<>(text(m, 1), text(m, 2), 7.5);
            for (String name : Scheduler.NAMES) {
                Sampler<NDArray> sampler = new Sampler<>(new UNetNoisePredictor(unet, TORCH.computeType()), Scheduler.named(name));
                Latents first = sampler.textToImage(TensorLatents.zeros(m, SHAPE), guidance, 4, 1234, Progress.NONE);
                assertEquals(SHAPE, first.shape(), name);
                for (float v : first.toFloats()) {
                    assertTrue(Float.isFinite(v), name + " gave " + v);
                }
                Latents again = sampler.textToImage(TensorLatents.zeros(m, SHAPE), guidance, 4, 1234, Progress.NONE);
                assertArrayEquals(first.toFloats(), again.toFloats(), name);
                Latents other = sampler.textToImage(TensorLatents.zeros(m, SHAPE), guidance, 4, 1235, Progress.NONE);
                assertTrue(Sd15Reference.maxDifference(first, other) > 1e-3, name);
            }
        }
    }

    @Test
    void bothGuidanceBranchesInOneBatchPredictWhatTwoSeparateCallsDo() throws Exception {
        for (boolean inpaintingUNet : new boolean[] {false, true}) {
            try (NDManager m = TORCH.newManager()) {
                UNet unet = inpaintingUNet ? load(inpainting, TinyCheckpoint.TINY.withUnetInChannels(9), m)
                        : load(textToImage, TinyCheckpoint.TINY, m);
                NDArray extra = inpaintingUNet ? m.create(new GaussianNoise(9).next(5 * 64), new Shape(1, 5, 8, 8)) : null;
                UNetNoisePredictor predictor = new UNetNoisePredictor(unet, TORCH.computeType(), extra);
                TensorLatents x = TensorLatents.of(m.create(new GaussianNoise(4).next(SHAPE.size()), new Shape(1, 4, 8, 8)));
                List<Latents> batched = predictor.predictNoiseMany(List.of(x, x), 420, List.of(text(m, 1), text(m, 2)));
                assertTrue(Sd15Reference.maxDifference(predictor.predictNoise(x, 420, text(m, 1)), batched.get(0)) < 1e-5);
                assertTrue(Sd15Reference.maxDifference(predictor.predictNoise(x, 420, text(m, 2)), batched.get(1)) < 1e-5);
                assertTrue(Sd15Reference.maxDifference(batched.get(0), batched.get(1)) > 1e-4, "the branches differ");
            }
        }
    }

    @Test
    void thePromptSteersTheSampling() throws Exception {
        try (NDManager m = TORCH.newManager()) {
            UNet unet = load(textToImage, TinyCheckpoint.TINY, m);
            Sampler<NDArray> sampler = new Sampler<>(new UNetNoisePredictor(unet, TORCH.computeType()), Scheduler.named("euler"));
            Latents one = sampler.textToImage(TensorLatents.zeros(m, SHAPE), Guidance.none(text(m, 1)), 4, 5, Progress.NONE);
            Latents two = sampler.textToImage(TensorLatents.zeros(m, SHAPE), Guidance.none(text(m, 2)), 4, 5, Progress.NONE);
            assertTrue(Sd15Reference.maxDifference(one, two) > 1e-4);
        }
    }

    @Test
    void theInpaintingUNetSeesTheMaskAndThePicture() throws Exception {
        Sd15Widths widths = TinyCheckpoint.TINY.withUnetInChannels(9);
        try (NDManager m = TORCH.newManager()) {
            UNet unet = load(inpainting, widths, m);
            NDArray picture = m.create(new GaussianNoise(3).next(SHAPE.size()), new Shape(1, 4, 8, 8));
            float[] left = new float[SHAPE.height() * SHAPE.width()];
            for (int i = 0; i < left.length; i++) {
                left[i] = i % SHAPE.width() < SHAPE.width() / 2 ? 1 : 0;
            }
            List<Latents> two = new ArrayList<>();
            for (NDArray mask : new NDArray[] {m.create(left, new Shape(1, 1, 8, 8)), m.ones(new Shape(1, 1, 8, 8))}) {
                NDArray channels = mask.concat(picture.mul(mask.neg().add(1)), 1); // the mask, then the picture outside it
                Sampler<NDArray> sampler = new Sampler<>(new UNetNoisePredictor(unet, TORCH.computeType(), channels),
                        Scheduler.named("dpmpp-2m-karras"));
                two.add(sampler.textToImage(TensorLatents.zeros(m, SHAPE), new Guidance<>(text(m, 1), text(m, 2), 5), 3, 8,
                        Progress.NONE));
            }
            assertEquals(SHAPE, two.get(0).shape());
            assertTrue(Sd15Reference.maxDifference(two.get(0), two.get(1)) > 1e-4, "another mask, other latents");
        }
    }

    @Test
    void aNineChannelUNetWithoutInpaintingChannelsIsRefused() throws Exception {
        UNet unet = new UNet(TinyCheckpoint.TINY.withUnetInChannels(9));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new UNetNoisePredictor(unet, DataType.FLOAT32));
        assertEquals("this UNet takes 9 input channels, not 4 latent and 0 inpainting channels", e.getMessage());
    }

    @Test
    void aCancelStopsBetweenStepsAndEachStepLeavesOnlyItsPrediction() throws Exception {
        try (NDManager m = TORCH.newManager()) {
            UNet unet = load(textToImage, TinyCheckpoint.TINY, m);
            UNetNoisePredictor predictor = new UNetNoisePredictor(unet, TORCH.computeType());
            List<Integer> arraysLeft = new ArrayList<>();
            EpsilonModel<NDArray> counting = (input, t, c) -> {
                int before = m.getManagedArrays().size();
                Latents noise = predictor.predictNoise(input, t, c);
                arraysLeft.add(m.getManagedArrays().size() - before);
                return noise;
            };
            int[] reports = {0};
            Progress cancelAtThird = (fraction, stage) -> {
                if (++reports[0] == 3) {
                    throw new JobCancelledException();
                }
            };
            assertThrows(JobCancelledException.class, () -> new Sampler<>(counting, Scheduler.named("euler-a"))
                    .textToImage(TensorLatents.zeros(m, SHAPE), new Guidance<>(text(m, 1), text(m, 2), 7.5), 6, 9, cancelAtThird));
            assertEquals(List.of(1, 1, 1, 1), arraysLeft,
                    "two guided calls for each of the two steps before the cancel, each leaving only its prediction");
        }
    }

    @Test
    void aCheckpointMissingAKeyIsRefusedNamingTheKey() throws IOException {
        Map<String, ExpectedShape> layout = new LinkedHashMap<>(Sd15Layout.unet(TinyCheckpoint.TINY));
        String dropped = Sd15Layout.UNET + "output_blocks.5.2.conv.weight";
        layout.remove(dropped);
        Path file = dir.resolve("missing-key.safetensors");
        TinyCheckpoint.randomWeights(layout, DType.F16, 1).write(file);
        try (NDManager m = TORCH.newManager()) {
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                    () -> load(file, TinyCheckpoint.TINY, m));
            assertTrue(e.getMessage().contains("'" + dropped + "' is missing"), e.getMessage());
        }
    }

    @Test
    void anInpaintingCheckpointForATextToImageUNetNamesTheFirstConvAndBothShapes() throws IOException {
        try (NDManager m = TORCH.newManager()) {
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                    () -> load(inpainting, TinyCheckpoint.TINY, m));
            assertTrue(e.getMessage().contains("'model.diffusion_model.input_blocks.0.0.weight' has shape [8, 9, 3, 3]"
                    + " where this network needs [8, 4, 3, 3]"), e.getMessage());
        }
    }
}
