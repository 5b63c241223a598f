package atelier.daemon.neural.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.diffusion.Sd15Reference;
import atelier.daemon.neural.diffusion.TinyCheckpoint;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointInspector;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointKind;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointMismatchException;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.Identification;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.net.CheckpointWeights;
import atelier.daemon.neural.diffusion.net.ControlNet;
import atelier.daemon.neural.diffusion.net.TorchReference;
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
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny UNet steered by the tiny ControlNet, both loaded from tiny fp16 files through the real loaders. */
class ControlNetSamplingTest {

    private static final LatentShape SHAPE = new LatentShape(4, 8, 8);
    private static final TorchRuntime TORCH = TorchRuntime.cpu();

    @TempDir
    static Path dir;
    private static Path checkpoint;
    private static Path lineArt;

    @BeforeAll
    static void writeModels() throws IOException {
        checkpoint = TinyCheckpoint.sd15(dir.resolve("tiny.safetensors"), DType.F16, 11);
        lineArt = TinyCheckpoint.controlNet(dir.resolve("control_v11p_sd15_lineart_fp16.safetensors"), DType.F16, 4);
    }

    private static UNet unet(NDManager m) throws IOException {
        UNet unet = new UNet(TinyCheckpoint.TINY);
        CheckpointWeights.load(unet, Safetensors.open(checkpoint), m, TORCH.device(), TORCH.computeType());
        return unet;
    }

    private static ControlNet controlNet(NDManager m) throws IOException {
        return ControlNet.load(Safetensors.open(lineArt), TinyCheckpoint.TINY, m, TORCH);
    }

    /** Line art 8 times the latents' size: white strokes on black, as the line-art preprocessors draw. */
    private static NDArray lines(NDManager m, int variant) {
        float[] pixels = new float[3 * 64 * 64];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 64; x++) {
                    boolean stroke = variant == 0 ? Math.abs(x - y) < 2 || y == 40 : Math.abs(x - 32) < 2;
                    pixels[(c * 64 + y) * 64 + x] = stroke ? 1 : 0;
                }
            }
        }
        return m.create(pixels, new Shape(1, 3, 64, 64));
    }

    private static NDArray text(NDManager m, long prompt) {
        Sd15Widths w = TinyCheckpoint.TINY;
        return m.create(new GaussianNoise(prompt).next(w.textPositions() * w.textWidth()), new Shape(1, w.textPositions(), w.textWidth()));
    }

    private static float[] noiseAt(EpsilonModel<NDArray> model, NDManager m, int step, int steps) {
        model.beginStep(step, steps);
        Latents x = TensorLatents.of(m.create(new GaussianNoise(3).next(SHAPE.size()), new Shape(1, 4, 8, 8)));
        return model.predictNoise(x, 500, text(m, 1)).toFloats();
    }

    @Test
    void theTinyLineArtFileIsIdentifiedAsAControlNetWithOrWithoutItsKeyPrefix() throws IOException {
        assertEquals(CheckpointKind.CONTROLNET, CheckpointInspector.identify(lineArt).kind());
        Path unprefixed = dir.resolve("control_lineart_anime.safetensors");
        TinyCheckpoint.randomWeights(Sd15Layout.controlNet("", TinyCheckpoint.TINY), DType.F16, 5).write(unprefixed);
        Identification found = CheckpointInspector.identify(unprefixed);
        assertEquals(CheckpointKind.CONTROLNET, found.kind(), found.label());
    }

    @Test
    void strengthZeroIsThePlainUNetAndAnyOtherStrengthSteersIt() throws IOException {
        try (NDManager m = TORCH.newManager()) {
            UNetNoisePredictor plain = new UNetNoisePredictor(unet(m), TORCH.computeType());
            ControlNet net = controlNet(m);
            float[] alone = noiseAt(plain, m, 0, 4);
            assertArrayEquals(alone, noiseAt(plain.withControl(new ControlGuide(net, lines(m, 0), 0, 0, 1)), m, 0, 4));
            float[] full = noiseAt(plain.withControl(ControlGuide.always(net, lines(m, 0))), m, 0, 4);
            float[] half = noiseAt(plain.withControl(new ControlGuide(net, lines(m, 0), 0.5, 0, 1)), m, 0, 4);
            assertTrue(TorchReference.maxAbsDifference(alone, full) > 1e-3, "the ControlNet changes the prediction");
            assertTrue(TorchReference.maxAbsDifference(half, full) > 1e-4, "strength scales what it changes");
            assertTrue(TorchReference.maxAbsDifference(full, noiseAt(plain.withControl(ControlGuide.always(net, lines(m, 1))), m, 0, 4))
                    > 1e-4, "other lines, another prediction");
        }
    }

    @Test
    void outsideItsStartAndEndTheUNetRunsAlone() throws IOException {
        try (NDManager m = TORCH.newManager()) {
            UNetNoisePredictor plain = new UNetNoisePredictor(unet(m), TORCH.computeType());
            UNetNoisePredictor middleHalf = plain.withControl(new ControlGuide(controlNet(m), lines(m, 0), 1, 0.25, 0.75));
            float[] alone = noiseAt(plain, m, 0, 8);
            List<Boolean> steered = new ArrayList<>();
            for (int step = 0; step < 8; step++) {
                steered.add(TorchReference.maxAbsDifference(alone, noiseAt(middleHalf, m, step, 8)) > 1e-4);
            }
            assertEquals(List.of(false, false, true, true, true, true, false, false), steered);
        }
    }

    @Test
    void theSamplerTellsEachStepBeforeBothGuidanceCalls() throws Exception {
        List<String> calls = new ArrayList<>();
        EpsilonModel<NDArray> recording = new EpsilonModel<>() {
            @Override
            public Latents predictNoise(Latents input, double timestep, NDArray conditioning) {
                calls.add("predict");
                return input.scaled(0);
            }

            @Override
            public void beginStep(int step, int steps) {
                calls.add(step + "/" + steps);
            }
        };
        try (NDManager m = TORCH.newManager()) {
            new Sampler<>(recording, Scheduler.named("euler")).textToImage(TensorLatents.zeros(m, SHAPE),
                    new Guidance<>(text(m, 1), text(m, 2), 5), 2, 1, Progress.NONE);
        }
        assertEquals(List.of("0/2", "predict", "predict", "1/2", "predict", "predict"), calls);
    }

    @Test
    void guidedSamplingWithTheControlNetIsTheSameForASeedAndFollowsTheLines() throws Exception {
        try (NDManager m = TORCH.newManager()) {
            UNetNoisePredictor plain = new UNetNoisePredictor(unet(m), TORCH.computeType());
            ControlNet net = controlNet(m);
            Guidance<NDArray> guidance = new Guidance<>(text(m, 1), text(m, 2), 7.5);
            Scheduler scheduler = Scheduler.named("dpmpp-2m-karras");
            Latents first = sample(plain.withControl(ControlGuide.always(net, lines(m, 0))), scheduler, guidance, m, 21);
            assertEquals(SHAPE, first.shape());
            for (float v : first.toFloats()) {
                assertTrue(Float.isFinite(v), "gave " + v);
            }
            assertArrayEquals(first.toFloats(), sample(plain.withControl(ControlGuide.always(net, lines(m, 0))), scheduler, guidance, m,
                    21).toFloats());
            assertTrue(Sd15Reference.maxDifference(first, sample(plain.withControl(ControlGuide.always(net, lines(m, 0))), scheduler,
                    guidance, m, 22)) > 1e-3, "another seed");
            assertTrue(Sd15Reference.maxDifference(first, sample(plain.withControl(ControlGuide.always(net, lines(m, 1))), scheduler,
                    guidance, m, 21)) > 1e-4, "other lines");
            assertTrue(Sd15Reference.maxDifference(first, sample(plain, scheduler, guidance, m, 21)) > 1e-4, "no ControlNet");
        }
    }

    private static Latents sample(UNetNoisePredictor model, Scheduler scheduler, Guidance<NDArray> guidance, NDManager m, long seed)
            throws Exception {
        return new Sampler<>(model, scheduler).textToImage(TensorLatents.zeros(m, SHAPE), guidance, 4, seed, Progress.NONE);
    }

    @Test
    void theInpaintingUNetIsSteeredToo() throws IOException {
        Path inpainting = TinyCheckpoint.sd15Inpainting(dir.resolve("tiny-inpainting.safetensors"), DType.F16, 12);
        try (NDManager m = TORCH.newManager()) {
            UNet unet = new UNet(TinyCheckpoint.TINY.withUnetInChannels(9));
            CheckpointWeights.load(unet, Safetensors.open(inpainting), m, TORCH.device(), TORCH.computeType());
            NDArray maskAndPicture = m.ones(new Shape(1, 1, 8, 8)).concat(m.zeros(new Shape(1, 4, 8, 8)), 1);
            UNetNoisePredictor plain = new UNetNoisePredictor(unet, TORCH.computeType(), maskAndPicture);
            float[] alone = noiseAt(plain, m, 0, 1);
            float[] steered = noiseAt(plain.withControl(ControlGuide.always(controlNet(m), lines(m, 0))), m, 0, 1);
            assertTrue(TorchReference.maxAbsDifference(alone, steered) > 1e-3, "the ControlNet sees the 4 latent channels");
        }
    }

    @Test
    void aControlNetForAnotherUNetWidthIsRefusedNamingTheKey() throws IOException {
        Path wider = dir.resolve("control_for_a_wider_unet.safetensors");
        Sd15Widths sixteen = new Sd15Widths(16, 4, 8, 16, 2, 49408, 77, 2, 2, 4);
        TinyCheckpoint.randomWeights(Sd15Layout.controlNet(sixteen), DType.F16, 6).write(wider);
        try (NDManager m = TORCH.newManager()) {
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                    () -> ControlNet.load(Safetensors.open(wider), TinyCheckpoint.TINY, m, TORCH));
            assertTrue(e.getMessage().contains("'control_model.time_embed.0.weight' has shape [64, 16] where this network needs [32, 8]"),
                    e.getMessage());
        }
    }

    @Test
    void aControlPictureNotEightTimesTheLatentsIsRefused() throws IOException {
        try (NDManager m = TORCH.newManager()) {
            UNetNoisePredictor controlled = new UNetNoisePredictor(unet(m), TORCH.computeType())
                    .withControl(ControlGuide.always(controlNet(m), m.zeros(new Shape(1, 3, 32, 32))));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> noiseAt(controlled, m, 0, 1));
            assertEquals("a control picture of 32x32 for latents of 8x8: it must be 8 times their size", e.getMessage());
        }
    }

    @Test
    void strengthAndWindowOutOfRangeAreRefused() {
        try (NDManager m = TORCH.newManager()) {
            ControlNet net = new ControlNet(TinyCheckpoint.TINY);
            NDArray picture = m.zeros(new Shape(1, 3, 64, 64));
            assertThrows(IllegalArgumentException.class, () -> new ControlGuide(net, picture, -0.1, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> new ControlGuide(net, picture, 1, 0.8, 0.2));
            assertThrows(IllegalArgumentException.class, () -> new ControlGuide(net, picture, 1, 0, 1.5));
        }
    }
}
