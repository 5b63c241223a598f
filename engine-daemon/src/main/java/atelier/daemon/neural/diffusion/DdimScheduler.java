package atelier.daemon.neural.diffusion;

import java.util.Arrays;

/**
 * DDIM with eta 0 (Song et al. 2020; diffusers {@code DDIMScheduler} with SD 1.5's
 * config): deterministic, in the network's own "sqrt(ac) * x0 + sqrt(1 - ac) * noise"
 * view. Timesteps "leading": every {@code T / steps}-th training step from 0 up, plus
 * {@code steps_offset} 1, run from the top. After the last step the latents sit at
 * training step 0's tiny noise level ({@code set_alpha_to_one = false}), as CompVis'
 * DDIM sampler leaves them too.
 */
public final class DdimScheduler implements Scheduler {

    /** SD 1.5's {@code steps_offset}: the timesteps are shifted up by one. */
    static final int STEPS_OFFSET = 1;

    private final NoiseSchedule schedule;

    public DdimScheduler(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public String name() {
        return "ddim";
    }

    @Override
    public SchedulerRun plan(int steps, double strength) {
        int first = Strength.firstStep(steps, strength);
        int stride = schedule.trainingSteps() / steps;
        int[] all = new int[steps];
        for (int i = 0; i < steps; i++) {
            all[i] = (steps - 1 - i) * stride + STEPS_OFFSET;
        }
        if (all[0] >= schedule.trainingSteps()) {
            throw new IllegalArgumentException("DDIM takes at most " + (schedule.trainingSteps() - 1) + " steps, got " + steps);
        }
        return new Run(Arrays.copyOfRange(all, first, steps), stride);
    }

    private final class Run implements SchedulerRun {
        private final int[] timesteps;
        private final int stride;
        private final StepOrder order;

        Run(int[] timesteps, int stride) {
            this.timesteps = timesteps;
            this.stride = stride;
            this.order = new StepOrder(timesteps.length);
        }

        @Override
        public int steps() {
            return timesteps.length;
        }

        @Override
        public double timestep(int i) {
            return timesteps[i];
        }

        /** The network sees the latents as they are: they already have its training variance. */
        @Override
        public double inputScale(int i) {
            return 1;
        }

        @Override
        public Latents fromNoise(Latents noise) {
            return noise;
        }

        @Override
        public Latents fromImage(Latents image, Latents noise) {
            double alpha = schedule.alphaCumprod(timesteps[0]);
            return image.combined(Math.sqrt(alpha), noise, Math.sqrt(1 - alpha));
        }

        @Override
        public Step step(int i, Latents x, Latents predictedNoise, GaussianNoise noise) {
            order.take(i);
            double alpha = schedule.alphaCumprod(timesteps[i]);
            int previous = timesteps[i] - stride;
            double alphaNext = schedule.alphaCumprod(Math.max(previous, 0));
            Latents denoised = x.combined(1 / Math.sqrt(alpha), predictedNoise, -Math.sqrt((1 - alpha) / alpha));
            Latents next = denoised.combined(Math.sqrt(alphaNext), predictedNoise, Math.sqrt(1 - alphaNext));
            return new Step(next, denoised);
        }
    }
}
