package atelier.daemon.neural.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.neural.diffusion.Sd15Reference;
import org.junit.jupiter.api.Test;

/** The noise levels each scheduler visits, against the published formulas written out in the test. */
class SigmaScheduleTest {

    private final NoiseSchedule schedule = NoiseSchedule.SD15;

    @Test
    void sd15ScheduleIsTheScaledLinearOne() {
        for (int t = 0; t < 1000; t++) {
            assertEquals(Sd15Reference.ALPHAS_CUMPROD[t], schedule.alphaCumprod(t), 1e-12, "alpha cumprod at " + t);
            assertEquals(Sd15Reference.SIGMAS[t], schedule.sigma(t), 1e-9 * Sd15Reference.SIGMAS[t], "sigma at " + t);
        }
        // The ends k-diffusion prints for SD 1.5 (sigma_min 0.0292, sigma_max 14.6146).
        assertEquals(0.0292, schedule.sigmaMin(), 5e-5);
        assertEquals(14.6146, schedule.sigmaMax(), 5e-5);
    }

    @Test
    void fractionalTimestepsInterpolateSigmaAndLogSigmaInvertsIt() {
        for (double t : new double[] {0, 0.5, 17.25, 500.9, 998.5, 999}) {
            assertEquals(Sd15Reference.sigmaAt(t), schedule.sigmaAt(t), 1e-9, "sigma at " + t);
        }
        for (int t : new int[] {0, 1, 250, 998, 999}) {
            assertEquals(t, schedule.timestepOf(Sd15Reference.SIGMAS[t]), 1e-6, "timestep of sigma(" + t + ")");
        }
        double between = Math.sqrt(Sd15Reference.SIGMAS[400] * Sd15Reference.SIGMAS[401]);
        assertEquals(400.5, schedule.timestepOf(between), 1e-9, "half-way in log sigma");
        assertEquals(999, schedule.timestepOf(100), 0, "held at the top");
        assertEquals(0, schedule.timestepOf(1e-3), 0, "held at the bottom");
    }

    @Test
    void eulerVisitsEvenlySpacedTimestepsDownToZeroThenSigmaZero() {
        for (String name : new String[] {"euler", "euler-a"}) {
            SigmaRun run = (SigmaRun) Scheduler.named(name).plan(10, 1);
            assertEquals(10, run.steps());
            for (int i = 0; i < 10; i++) {
                double t = 999.0 * (9 - i) / 9;
                assertEquals(t, run.timestep(i), 1e-9);
                assertEquals(Sd15Reference.sigmaAt(t), run.sigma(i), 1e-9);
                double sigma = Sd15Reference.sigmaAt(t);
                assertEquals(1 / Math.sqrt(sigma * sigma + 1), run.inputScale(i), 1e-12);
            }
            assertEquals(0, run.sigma(10));
        }
    }

    @Test
    void karrasSigmasFollowTheRhoFormulaBetweenTheScheduleEnds() {
        int steps = 12;
        SigmaRun run = (SigmaRun) Scheduler.named("dpmpp-2m-karras").plan(steps, 1);
        double minRoot = Math.pow(Sd15Reference.SIGMAS[0], 1 / 7.0);
        double maxRoot = Math.pow(Sd15Reference.SIGMAS[999], 1 / 7.0);
        for (int i = 0; i < steps; i++) {
            double expected = Math.pow(maxRoot + i / (steps - 1.0) * (minRoot - maxRoot), 7);
            assertEquals(expected, run.sigma(i), 1e-9 * expected, "sigma " + i);
        }
        assertEquals(0, run.sigma(steps));
        assertEquals(999, run.timestep(0), 1e-6, "sigma_max is the top training step");
        assertEquals(0, run.timestep(steps - 1), 1e-6, "sigma_min is the bottom one");
        for (int i = 1; i < steps - 1; i++) {
            // Fractional, as k-diffusion tells the network: between the training steps around the sigma.
            double t = run.timestep(i);
            int below = (int) Math.floor(t);
            assertTrue(Sd15Reference.SIGMAS[below] <= run.sigma(i) * (1 + 1e-9)
                    && run.sigma(i) <= Sd15Reference.SIGMAS[below + 1] * (1 + 1e-9),
                    "timestep " + t + " lies between the training steps around sigma " + run.sigma(i));
        }
    }

    @Test
    void ddimUsesLeadingTimestepsOffsetByOne() {
        SchedulerRun run = Scheduler.named("ddim").plan(50, 1);
        assertEquals(50, run.steps());
        for (int i = 0; i < 50; i++) {
            assertEquals((49 - i) * (1000 / 50) + 1, run.timestep(i));
            assertEquals(1, run.inputScale(i));
        }
        assertEquals(981, run.timestep(0), "SD 1.5's well-known first DDIM timestep for 50 steps");
    }

    @Test
    void lcmPicksEvenlySpacedIndicesOfTheFiftyStepDistillationSchedule() {
        for (int steps : new int[] {1, 2, 4, 6, 8}) {
            SchedulerRun run = Scheduler.named("lcm").plan(steps, 1);
            assertEquals(steps, run.steps());
            for (int k = 0; k < steps; k++) {
                // Distillation timesteps 19, 39, ..., 999 (every 20th, minus one), highest first,
                // read at indices floor(k * 50 / steps).
                int index = (int) Math.floor(k * (50.0 / steps));
                assertEquals(999 - 20 * index, run.timestep(k), "step " + k + " of " + steps);
            }
        }
    }

    @Test
    void strengthHalfRunsHalfTheStepsFromHalfWayDown() {
        for (String name : new String[] {"euler", "euler-a", "dpmpp-2m-karras", "ddim"}) {
            SchedulerRun full = Scheduler.named(name).plan(20, 1);
            SchedulerRun half = Scheduler.named(name).plan(20, 0.5);
            assertEquals(10, half.steps(), name);
            for (int i = 0; i < 10; i++) {
                assertEquals(full.timestep(10 + i), half.timestep(i), name + " step " + i);
            }
            assertEquals(7, Scheduler.named(name).plan(10, 0.75).steps(), name + ": floor(10 * 0.75)");
        }
        SchedulerRun lcm = Scheduler.named("lcm").plan(4, 0.5);
        assertEquals(4, lcm.steps(), "a few-step model keeps all its steps");
        assertEquals(499, lcm.timestep(0), "from the top of the halved distillation schedule");
    }
}
