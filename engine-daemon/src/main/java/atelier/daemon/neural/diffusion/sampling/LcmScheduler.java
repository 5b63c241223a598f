package atelier.daemon.neural.diffusion.sampling;

/**
 * The latent consistency model scheduler (Luo et al. 2023; diffusers {@code LCMScheduler}),
 * for LCM-distilled networks and LCM-LoRA: 2 to 8 steps. Each step makes a clean estimate
 * through the consistency boundary condition
 * {@code c_skip * x + c_out * x0_predicted}, then, unless it is the last step, noises
 * that estimate afresh to the next timestep's level.
 *
 * <p>Timesteps come from the distillation schedule of 50 steps (every 20th training step,
 * 19 .. 999), {@code steps} of them evenly spaced by index from the top. Image-to-image
 * strength shortens that schedule to its lower part and still takes all the steps, as
 * diffusers does: a few-step model needs each of them.
 */
public final class LcmScheduler implements Scheduler {

    /** The steps of the schedule the model was distilled on. */
    static final int ORIGINAL_STEPS = 50;
    /** The boundary condition's data standard deviation. */
    static final double SIGMA_DATA = 0.5;
    /** Timesteps are multiplied by this in the boundary condition, so c_skip vanishes fast. */
    static final double TIMESTEP_SCALING = 10;

    private final NoiseSchedule schedule;

    public LcmScheduler(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public String name() {
        return "lcm";
    }

    @Override
    public SchedulerRun plan(int steps, double strength) {
        Strength.requireSteps(steps);
        if (!(strength > 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in (0, 1], got " + strength);
        }
        if (steps > ORIGINAL_STEPS) {
            throw new IllegalArgumentException("LCM takes at most " + ORIGINAL_STEPS + " steps, got " + steps);
        }
        int skip = schedule.trainingSteps() / ORIGINAL_STEPS;
        int origin = (int) (ORIGINAL_STEPS * strength);
        if (origin / steps < 1) {
            throw new IllegalArgumentException("strength " + strength + " leaves " + origin + " LCM timesteps, fewer than the "
                    + steps + " steps asked; lower the steps or raise the strength");
        }
        // The distillation timesteps (j * skip - 1 for j = 1..origin), highest first, picked
        // at indices floor(k * origin / steps) as numpy's linspace(0, origin, steps, endpoint=False).
        double spacing = (double) origin / steps;
        int[] timesteps = new int[steps];
        for (int k = 0; k < steps; k++) {
            int index = (int) Math.floor(k * spacing);
            timesteps[k] = (origin - index) * skip - 1;
        }
        return new Run(schedule, timesteps);
    }

    /** The boundary-condition weight of the input latents at a timestep. */
    static double cSkip(int timestep) {
        double scaled = timestep * TIMESTEP_SCALING;
        return SIGMA_DATA * SIGMA_DATA / (scaled * scaled + SIGMA_DATA * SIGMA_DATA);
    }

    /** The boundary-condition weight of the network's clean estimate at a timestep. */
    static double cOut(int timestep) {
        double scaled = timestep * TIMESTEP_SCALING;
        return scaled / Math.sqrt(scaled * scaled + SIGMA_DATA * SIGMA_DATA);
    }

    private static final class Run extends AlphaSpaceRun {

        Run(NoiseSchedule schedule, int[] timesteps) {
            super(schedule, timesteps);
        }

        /** The last step hands on its clean estimate. */
        @Override
        double finalSigma() {
            return 0;
        }

        @Override
        public Step step(int i, Latents x, Latents predictedNoise, NoiseSource noise) {
            order.take(i);
            int t = timesteps[i];
            Latents denoised = predictedClean(x, predictedNoise, t).combined(cOut(t), x, cSkip(t));
            if (order.isLast(i)) {
                return new Step(denoised, denoised);
            }
            double alphaNext = schedule.alphaCumprod(timesteps[i + 1]);
            Latents renoised = denoised.combined(Math.sqrt(alphaNext), noise.like(x), Math.sqrt(1 - alphaNext));
            return new Step(renoised, denoised);
        }
    }
}
