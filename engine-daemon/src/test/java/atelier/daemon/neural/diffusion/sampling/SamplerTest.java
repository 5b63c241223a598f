package atelier.daemon.neural.diffusion.sampling;

import static atelier.daemon.neural.diffusion.Sd15Reference.maxDifference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sampling loop with a toy analytic network standing in for the UNet. */
class SamplerTest {

    private static final LatentShape SHAPE = new LatentShape(4, 6, 8);

    /** A smooth made-up noise prediction that depends on input, timestep and conditioning; counts its calls. */
    private static final class ToyModel implements EpsilonModel<Double> {
        final List<Double> conditionings = new ArrayList<>();

        @Override
        public Latents predictNoise(Latents input, double timestep, Double conditioning) {
            conditionings.add(conditioning);
            float[] x = input.toFloats();
            float[] out = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                out[j] = (float) (0.9 * x[j] + conditioning * Math.sin(timestep / 150 + j));
            }
            return input.withValues(out);
        }
    }

    private final Latents blank = FloatLatents.zeros(SHAPE);

    @Test
    void aSeedGivesTheSameLatentsEveryTimeAndAnotherSeedOthers() throws Exception {
        for (String name : Scheduler.NAMES) {
            Sampler<Double> sampler = new Sampler<>(new ToyModel(), Scheduler.named(name));
            Guidance<Double> guidance = new Guidance<>(1.0, 0.0, 5);
            Latents first = sampler.textToImage(blank, guidance, 6, 1234, Progress.NONE);
            assertArrayEquals(first.toFloats(), sampler.textToImage(blank, guidance, 6, 1234, Progress.NONE).toFloats(), name);
            assertTrue(maxDifference(first, sampler.textToImage(blank, guidance, 6, 1235, Progress.NONE)) > 1e-3, name);
        }
    }

    @Test
    void inpaintingKeepsThePictureOutsideTheMaskAndGeneratesInside() throws Exception {
        float[] picture = new float[SHAPE.size()];
        for (int i = 0; i < picture.length; i++) {
            picture[i] = (float) Math.cos(i * 0.37);
        }
        Latents image = FloatLatents.of(SHAPE, picture);
        // The left half of every row is editable, the right half kept; one soft column between.
        float[] weights = new float[SHAPE.height() * SHAPE.width()];
        for (int y = 0; y < SHAPE.height(); y++) {
            for (int x = 0; x < SHAPE.width(); x++) {
                weights[y * SHAPE.width() + x] = x < 3 ? 1 : x == 3 ? 0.5f : 0;
            }
        }
        LatentMask editable = new LatentMask(SHAPE.height(), SHAPE.width(), weights);
        for (String name : Scheduler.NAMES) {
            for (double strength : new double[] {1, 0.6}) {
                Sampler<Double> sampler = new Sampler<>(new ToyModel(), Scheduler.named(name));
                Latents out = sampler.inpaint(image, editable, strength, new Guidance<>(1.0, 0.0, 4), 6, 7, Progress.NONE);
                FloatLatents result = (FloatLatents) out;
                FloatLatents original = (FloatLatents) image;
                double insideChange = 0;
                for (int c = 0; c < SHAPE.channels(); c++) {
                    for (int y = 0; y < SHAPE.height(); y++) {
                        for (int x = 0; x < SHAPE.width(); x++) {
                            if (x > 3) {
                                assertEquals(original.get(c, y, x), result.get(c, y, x), name + " kept at " + x + "," + y);
                            } else if (x < 3) {
                                insideChange = Math.max(insideChange, Math.abs(original.get(c, y, x) - result.get(c, y, x)));
                            }
                        }
                    }
                }
                assertTrue(insideChange > 0.05, name + " strength " + strength + " changed the selection by only " + insideChange);
                assertArrayEquals(out.toFloats(), sampler.inpaint(image, editable, strength, new Guidance<>(1.0, 0.0, 4), 6, 7,
                        Progress.NONE).toFloats(), name + " reproducible");
            }
        }
    }

    @Test
    void variantsSampledTogetherAreTheVariantsEachSeedMakesAlone() throws Exception {
        float[] picture = new float[SHAPE.size()];
        for (int i = 0; i < picture.length; i++) {
            picture[i] = (float) Math.sin(i * 0.21);
        }
        Latents image = FloatLatents.of(SHAPE, picture);
        float[] weights = new float[SHAPE.height() * SHAPE.width()];
        java.util.Arrays.fill(weights, 0, weights.length / 2, 1f);
        LatentMask editable = new LatentMask(SHAPE.height(), SHAPE.width(), weights);
        List<Long> seeds = List.of(7L, 8L, 9L);
        for (String name : Scheduler.NAMES) {
            Sampler<Double> sampler = new Sampler<>(new ToyModel(), Scheduler.named(name));
            Guidance<Double> guidance = new Guidance<>(1.0, 0.0, 4);
            List<Latents> t2i = sampler.textToImage(blank, guidance, 5, seeds, Progress.NONE);
            List<Latents> i2i = sampler.imageToImage(List.of(image, image, image), 0.6, guidance, 5, seeds, Progress.NONE);
            List<Latents> inpainted = sampler.inpaint(image, editable, 1, guidance, 5, seeds, Progress.NONE);
            for (int k = 0; k < seeds.size(); k++) {
                long seed = seeds.get(k);
                assertArrayEquals(sampler.textToImage(blank, guidance, 5, seed, Progress.NONE).toFloats(), t2i.get(k).toFloats(), name);
                assertArrayEquals(sampler.imageToImage(image, 0.6, guidance, 5, seed, Progress.NONE).toFloats(), i2i.get(k).toFloats(),
                        name);
                assertArrayEquals(sampler.inpaint(image, editable, 1, guidance, 5, seed, Progress.NONE).toFloats(),
                        inpainted.get(k).toFloats(), name);
            }
        }
    }

    @Test
    void seededNoiseIsStandardNormal() {
        float[] values = new GaussianNoise(99).next(200_000);
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            sum += v;
            squares += v * v;
        }
        double mean = sum / values.length;
        assertEquals(0, mean, 0.01);
        assertEquals(1, squares / values.length - mean * mean, 0.01);
    }

    @Test
    void progressIsReportedBeforeEachOfTheSteps() throws Exception {
        List<Double> fractions = new ArrayList<>();
        List<String> stages = new ArrayList<>();
        new Sampler<>(new ToyModel(), Scheduler.named("euler")).textToImage(blank, Guidance.none(1.0), 8, 1,
                (fraction, stage) -> {
                    fractions.add(fraction);
                    stages.add(stage);
                });
        assertEquals(8, fractions.size());
        for (int i = 0; i < 8; i++) {
            assertEquals(i / 8.0, fractions.get(i), 1e-12);
            assertEquals("sampling", stages.get(i));
        }
    }

    @Test
    void aCancelStopsBetweenStepsAndNoNetworkCallFollows() {
        for (int cancelAt = 1; cancelAt <= 5; cancelAt++) {
            ToyModel model = new ToyModel();
            int stopAt = cancelAt;
            int[] reports = {0};
            Progress cancelling = (fraction, stage) -> {
                if (++reports[0] == stopAt) {
                    throw new JobCancelledException();
                }
            };
            assertThrows(JobCancelledException.class, () -> new Sampler<>(model, Scheduler.named("dpmpp-2m-karras"))
                    .textToImage(blank, new Guidance<>(1.0, 0.0, 7.5), 5, 9, cancelling));
            assertEquals(2 * (cancelAt - 1), model.conditionings.size(), "two guided calls for each step before the cancel");
        }
    }

    @Test
    void guidanceScaleOneIsTheConditionalPredictionAlone() throws Exception {
        ToyModel model = new ToyModel();
        Latents guided = new Sampler<>(model, Scheduler.named("euler")).textToImage(blank, new Guidance<>(1.0, -3.0, 1), 6, 5, Progress.NONE);
        assertEquals(List.of(1.0, 1.0, 1.0, 1.0, 1.0, 1.0), model.conditionings, "no unconditional call at scale 1");
        Latents plain = new Sampler<>(new ToyModel(), Scheduler.named("euler")).textToImage(blank, Guidance.none(1.0), 6, 5, Progress.NONE);
        assertArrayEquals(plain.toFloats(), guided.toFloats());
    }

    @Test
    void guidancePushesTheConditionalPredictionAwayFromTheUnconditional() throws Exception {
        double scale = 7.5;
        ToyModel toy = new ToyModel();
        // The same guidance done by hand inside one "model": uncond + scale * (cond - uncond).
        EpsilonModel<Double> byHand = (input, t, c) -> {
            float[] u = toy.predictNoise(input, t, 0.0).toFloats();
            float[] k = toy.predictNoise(input, t, 1.0).toFloats();
            float[] out = new float[u.length];
            for (int j = 0; j < u.length; j++) {
                out[j] = (float) (u[j] + scale * (k[j] - u[j]));
            }
            return input.withValues(out);
        };
        Latents sampled = new Sampler<>(new ToyModel(), Scheduler.named("ddim")).textToImage(blank, new Guidance<>(1.0, 0.0, scale), 10, 77, Progress.NONE);
        Latents expected = new Sampler<>(byHand, Scheduler.named("ddim")).textToImage(blank, Guidance.none(1.0), 10, 77, Progress.NONE);
        assertTrue(maxDifference(sampled, expected) < 1e-4, "off by " + maxDifference(sampled, expected));
    }

    @Test
    void imageToImageAtHalfStrengthRunsHalfTheSteps() throws Exception {
        ToyModel model = new ToyModel();
        List<Double> fractions = new ArrayList<>();
        Latents picture = blank.withValues(new GaussianNoise(4).next(SHAPE.size()));
        new Sampler<>(model, Scheduler.named("euler")).imageToImage(picture, 0.5, Guidance.none(1.0), 20, 3,
                (fraction, stage) -> fractions.add(fraction));
        assertEquals(10, model.conditionings.size());
        assertEquals(10, fractions.size());
    }

    @Test
    void previewsShowTheCleanEstimateEveryFewSteps() throws Exception {
        List<Integer> shownAfter = new ArrayList<>();
        List<Raster> pictures = new ArrayList<>();
        new Sampler<>(new ToyModel(), Scheduler.named("euler-a"))
                .withPreviews(2, (done, steps, picture) -> {
                    shownAfter.add(done);
                    pictures.add(picture);
                    assertEquals(7, steps);
                })
                .textToImage(blank, Guidance.none(1.0), 7, 8, Progress.NONE);
        assertEquals(List.of(2, 4, 6), shownAfter);
        assertEquals(SHAPE.width(), pictures.get(0).width());
        assertEquals(SHAPE.height(), pictures.get(0).height());
    }

    @Test
    void previewColoursAreTheLinearMixOfTheFourChannels() {
        float[] values = new float[SHAPE.size()];
        int plane = SHAPE.height() * SHAPE.width();
        double[] pixel = {0.9, -0.4, 1.5, 0.2};
        for (int c = 0; c < 4; c++) {
            values[c * plane + 5] = (float) pixel[c];
        }
        Raster rgb = LatentPreview.toRgb(FloatLatents.of(SHAPE, values));
        for (int colour = 0; colour < 3; colour++) {
            double mix = 0;
            for (int c = 0; c < 4; c++) {
                mix += pixel[c] * LatentPreview.SD15_LATENT_RGB[c][colour];
            }
            int expected = (int) Math.round(Math.max(0, Math.min(1, (mix + 1) / 2)) * 255);
            assertEquals(expected, rgb.channel(5, 0, colour), 1, "colour " + colour);
            assertEquals(128, rgb.channel(0, 0, colour), 1, "zero latents are mid grey");
        }
        assertEquals(255, rgb.channel(5, 0, 3), "opaque");
    }
}
