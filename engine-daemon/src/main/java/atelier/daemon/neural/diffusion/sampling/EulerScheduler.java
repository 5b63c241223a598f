package atelier.daemon.neural.diffusion.sampling;

/**
 * Euler's method on the probability-flow ODE (Karras et al. 2022, algorithm 1 without
 * churn; k-diffusion {@code sample_euler}, diffusers {@code EulerDiscreteScheduler}):
 * {@code x += eps * (sigma_next - sigma)}. Timesteps evenly spaced from T-1 down to 0
 * ("linspace" spacing, diffusers' default), each step's sigma read off the schedule
 * between the neighbouring training steps.
 */
public final class EulerScheduler implements Scheduler {

    private final NoiseSchedule schedule;

    public EulerScheduler(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public String name() {
        return "euler";
    }

    @Override
    public SchedulerRun plan(int steps, double strength) {
        int first = Strength.firstStep(steps, strength);
        double[] timesteps = linspaceTimesteps(schedule, steps);
        return new SigmaRun(interpolatedSigmas(schedule, timesteps), timesteps, first) {
            @Override
            Latents advance(int i, Latents x, Latents predictedNoise, Latents denoised, NoiseSource noise) {
                return x.plus(predictedNoise, sigmas[i + 1] - sigmas[i]);
            }
        };
    }

    /** {@code steps} timesteps evenly spaced from T-1 down to 0 (one step: just 0, as numpy's linspace gives). */
    static double[] linspaceTimesteps(NoiseSchedule schedule, int steps) {
        Strength.requireSteps(steps);
        double last = schedule.trainingSteps() - 1;
        double[] timesteps = new double[steps];
        for (int i = 0; i < steps; i++) {
            int fromStart = steps - 1 - i;
            timesteps[i] = steps == 1 ? 0 : last * fromStart / (steps - 1);
        }
        return timesteps;
    }

    /** The schedule's sigma at each timestep, then 0 for after the last step. */
    static double[] interpolatedSigmas(NoiseSchedule schedule, double[] timesteps) {
        double[] sigmas = new double[timesteps.length + 1];
        for (int i = 0; i < timesteps.length; i++) {
            sigmas[i] = schedule.sigmaAt(timesteps[i]);
        }
        return sigmas;
    }
}
