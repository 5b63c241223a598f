package atelier.daemon.neural.diffusion.sampling;

/**
 * Euler ancestral (k-diffusion {@code sample_euler_ancestral}, diffusers
 * {@code EulerAncestralDiscreteScheduler}): each step goes down further than the next
 * level, to {@code sigma_down}, with an Euler step, then adds fresh noise of size
 * {@code sigma_up} to land on it, where {@code sigma_down^2 + sigma_up^2 = sigma_next^2}.
 * The added noise keeps pictures lively, and makes them depend on the seed at every step.
 * Same timesteps and sigmas as {@link EulerScheduler}.
 */
public final class EulerAncestralScheduler implements Scheduler {

    private final NoiseSchedule schedule;

    public EulerAncestralScheduler(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public String name() {
        return "euler-a";
    }

    @Override
    public SchedulerRun plan(int steps, double strength) {
        int first = Strength.firstStep(steps, strength);
        double[] timesteps = EulerScheduler.linspaceTimesteps(schedule, steps);
        return new SigmaRun(EulerScheduler.interpolatedSigmas(schedule, timesteps), timesteps, first) {
            @Override
            Latents advance(int i, Latents x, Latents predictedNoise, Latents denoised, NoiseSource noise) {
                double from = sigmas[i];
                double to = sigmas[i + 1];
                double up = sigmaUp(from, to);
                double down = Math.sqrt(to * to - up * up);
                Latents stepped = x.plus(predictedNoise, down - from);
                // The last step goes to sigma 0, where there is nothing to add.
                return up == 0 ? stepped : stepped.plus(noise.like(x), up);
            }
        };
    }

    /** The fresh noise a step from {@code from} to {@code to} adds (eta 1). */
    static double sigmaUp(double from, double to) {
        return Math.sqrt(to * to * (from * from - to * to) / (from * from));
    }
}
