package atelier.daemon.neural.diffusion.sampling;

import static atelier.daemon.neural.diffusion.Sd15Reference.maxDifference;
import static atelier.daemon.neural.diffusion.Sd15Reference.ramp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.neural.diffusion.Sd15Reference;
import org.junit.jupiter.api.Test;

/** How each scheduler moves latents, on a toy problem whose answer is known. */
class SchedulerStepTest {

    /** The clean "picture" and the noise that was added to it. */
    private final Latents clean = ramp(0.8);
    private final Latents trueNoise = ramp(1).withValues(new GaussianNoise(7).next(Sd15Reference.SHAPE.size()));

    /** Runs a deterministic scheduler with a perfect denoiser: one that answers the true noise. */
    private Latents denoisePerfectly(SchedulerRun run, double[] worstCleanEstimateError) {
        Latents x = run.fromImage(clean, trueNoise);
        for (int i = 0; i < run.steps(); i++) {
            SchedulerRun.Step step = run.step(i, x, trueNoise, new GaussianNoise(0));
            worstCleanEstimateError[0] = Math.max(worstCleanEstimateError[0], maxDifference(step.denoised(), clean));
            x = step.next();
        }
        return x;
    }

    @Test
    void eulerAndDpmTakeNoiseToThePictureExactlyWithAPerfectDenoiser() {
        for (String name : new String[] {"euler", "dpmpp-2m-karras"}) {
            for (int steps : new int[] {1, 4, 25}) {
                double[] estimateError = {0};
                Latents result = denoisePerfectly(Scheduler.named(name).plan(steps, 1), estimateError);
                assertTrue(maxDifference(result, clean) < 1e-5, name + " " + steps + " steps: off by " + maxDifference(result, clean));
                assertTrue(estimateError[0] < 1e-5, name + ": every clean estimate is the picture");
            }
        }
    }

    @Test
    void ddimWithAPerfectDenoiserEstimatesThePictureAtEveryStepAndEndsAtStepZerosNoise() {
        SchedulerRun run = Scheduler.named("ddim").plan(20, 1);
        double[] estimateError = {0};
        Latents result = denoisePerfectly(run, estimateError);
        assertTrue(estimateError[0] < 1e-5, "off by " + estimateError[0]);
        // set_alpha_to_one = false: the last step lands on training step 0, not on the clean picture.
        double a0 = Sd15Reference.ALPHAS_CUMPROD[0];
        Latents expected = clean.combined(Math.sqrt(a0), trueNoise, Math.sqrt(1 - a0));
        assertTrue(maxDifference(result, expected) < 1e-5, "off by " + maxDifference(result, expected));
    }

    @Test
    void lcmWithAPerfectDenoiserEndsWithinItsBoundaryConditionOfThePicture() {
        SchedulerRun run = Scheduler.named("lcm").plan(4, 1);
        Latents x = run.fromImage(clean, trueNoise);
        GaussianNoise noise = new GaussianNoise(3);
        for (int i = 0; i < run.steps(); i++) {
            // Each step re-noises with fresh noise; the perfect denoiser knows the noise the latents hold now.
            double a = Sd15Reference.ALPHAS_CUMPROD[(int) run.timestep(i)];
            Latents heldNoise = x.combined(1 / Math.sqrt(1 - a), clean, -Math.sqrt(a / (1 - a)));
            x = run.step(i, x, heldNoise, noise).next();
        }
        // c_skip at the last timestep (259 x 10) leaves at most ~4e-8 of the noisy input in the result.
        assertTrue(maxDifference(x, clean) < 1e-4, "off by " + maxDifference(x, clean));
    }

    @Test
    void theNetworkSeesTheTrainingMixtureAtTheTimestepItIsTold() {
        // Along a perfect run of a deterministic scheduler, at every step; for the ones
        // that add fresh noise, at the first.
        for (String name : new String[] {"euler", "ddim", "dpmpp-2m-karras", "euler-a", "lcm"}) {
            boolean deterministic = !name.equals("euler-a") && !name.equals("lcm");
            double tolerance = name.equals("dpmpp-2m-karras") ? 2e-3 : 1e-5; // its timesteps are rounded
            SchedulerRun run = Scheduler.named(name).plan(8, 1);
            Latents x = run.fromImage(clean, trueNoise);
            for (int i = 0; i < (deterministic ? run.steps() : 1); i++) {
                double a = Sd15Reference.alphaCumprodAt(run.timestep(i));
                Latents expected = clean.combined(Math.sqrt(a), trueNoise, Math.sqrt(1 - a));
                double off = maxDifference(x.scaled(run.inputScale(i)), expected);
                assertTrue(off < tolerance, name + " step " + i + " at t=" + run.timestep(i) + ": off by " + off);
                x = run.step(i, x, trueNoise, new GaussianNoise(0)).next();
            }
        }
    }

    @Test
    void eulerAncestralStepsToSigmaDownAndAddsSeededNoiseOfSigmaUp() {
        SigmaRun run = (SigmaRun) Scheduler.named("euler-a").plan(10, 1);
        Latents x = ramp(3);
        Latents eps = ramp(0.5);
        Latents next = run.step(0, x, eps, new GaussianNoise(42)).next();

        double from = run.sigma(0);
        double to = run.sigma(1);
        double up = Math.sqrt(to * to * (from * from - to * to) / (from * from));
        double down = Math.sqrt(to * to - up * up);
        float[] fresh = new GaussianNoise(42).next(Sd15Reference.SHAPE.size());
        float[] xs = x.toFloats();
        float[] es = eps.toFloats();
        float[] got = next.toFloats();
        for (int j = 0; j < got.length; j++) {
            double expected = xs[j] + es[j] * (down - from) + fresh[j] * up;
            assertEquals(expected, got[j], 1e-4, "value " + j);
        }
    }

    @Test
    void eulerAncestralIsFixedByItsSeed() {
        Latents first = ancestralRun(11);
        assertArrayEquals(first.toFloats(), ancestralRun(11).toFloats());
        assertTrue(maxDifference(first, ancestralRun(12)) > 0.01, "another seed, another picture");
    }

    private Latents ancestralRun(long seed) {
        SchedulerRun run = Scheduler.named("euler-a").plan(6, 1);
        GaussianNoise noise = new GaussianNoise(seed);
        Latents x = run.fromNoise(noise.like(clean));
        for (int i = 0; i < run.steps(); i++) {
            x = run.step(i, x, x.scaled(0.1), noise).next();
        }
        return x;
    }

    @Test
    void dpmSecondStepUsesThePreviousCleanEstimateAsKDiffusionWrites() {
        SigmaRun run = (SigmaRun) Scheduler.named("dpmpp-2m-karras").plan(5, 1);
        Latents x0 = ramp(5);
        Latents eps0 = ramp(0.3);
        Latents eps1 = ramp(-0.7);
        Latents x1 = run.step(0, x0, eps0, null).next();
        Latents x2 = run.step(1, x1, eps1, null).next();

        double[] s = {run.sigma(0), run.sigma(1), run.sigma(2)};
        float[] a = x0.toFloats();
        float[] e0 = eps0.toFloats();
        float[] e1 = eps1.toFloats();
        float[] got1 = x1.toFloats();
        float[] got2 = x2.toFloats();
        for (int j = 0; j < a.length; j++) {
            // t = -log sigma; first step first order, second with r = h_last / h.
            double denoised0 = a[j] - s[0] * e0[j];
            double h0 = -Math.log(s[1]) + Math.log(s[0]);
            double first = s[1] / s[0] * a[j] - Math.expm1(-h0) * denoised0;
            assertEquals(first, got1[j], 1e-4, "step 1 value " + j);
            double denoised1 = got1[j] - s[1] * e1[j];
            double h1 = -Math.log(s[2]) + Math.log(s[1]);
            double r = h0 / h1;
            double d = (1 + 1 / (2 * r)) * denoised1 - 1 / (2 * r) * denoised0;
            double second = s[2] / s[1] * got1[j] - Math.expm1(-h1) * d;
            assertEquals(second, got2[j], 1e-4, "step 2 value " + j);
        }
    }

    @Test
    void lcmStepAppliesTheBoundaryConditionThenRenoisesWithTheSeed() {
        SchedulerRun run = Scheduler.named("lcm").plan(4, 1);
        Latents x = ramp(1.2);
        Latents eps = ramp(0.4);
        SchedulerRun.Step step = run.step(0, x, eps, new GaussianNoise(5));

        int t = (int) run.timestep(0);
        double a = Sd15Reference.ALPHAS_CUMPROD[t];
        double aNext = Sd15Reference.ALPHAS_CUMPROD[(int) run.timestep(1)];
        double scaled = 10.0 * t;
        double cSkip = 0.25 / (scaled * scaled + 0.25);
        double cOut = scaled / Math.sqrt(scaled * scaled + 0.25);
        float[] fresh = new GaussianNoise(5).next(Sd15Reference.SHAPE.size());
        float[] xs = x.toFloats();
        float[] es = eps.toFloats();
        for (int j = 0; j < xs.length; j++) {
            double predicted = (xs[j] - Math.sqrt(1 - a) * es[j]) / Math.sqrt(a);
            double denoised = cOut * predicted + cSkip * xs[j];
            assertEquals(denoised, step.denoised().toFloats()[j], 1e-4);
            assertEquals(Math.sqrt(aNext) * denoised + Math.sqrt(1 - aNext) * fresh[j], step.next().toFloats()[j], 1e-4);
        }
    }

    @Test
    void stepsOutOfOrderAndImpossiblePlansAreRefused() {
        SchedulerRun run = Scheduler.named("dpmpp-2m-karras").plan(4, 1);
        assertThrows(IllegalStateException.class, () -> run.step(1, clean, clean, null));
        assertThrows(IllegalArgumentException.class, () -> Scheduler.named("euler").plan(0, 1));
        assertThrows(IllegalArgumentException.class, () -> Scheduler.named("euler").plan(4, 0.1), "no step left");
        assertThrows(IllegalArgumentException.class, () -> Scheduler.named("ddim").plan(1000, 1));
        assertThrows(IllegalArgumentException.class, () -> Scheduler.named("lcm").plan(51, 1));
        assertThrows(IllegalArgumentException.class, () -> Scheduler.named("lcm").plan(8, 0.1), "5 timesteps for 8 steps");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Scheduler.named("plms"));
        assertTrue(unknown.getMessage().contains("euler-a"), unknown.getMessage());
    }
}
