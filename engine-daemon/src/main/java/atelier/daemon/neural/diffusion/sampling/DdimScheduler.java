package atelier.daemon.neural.diffusion.sampling;

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
        return new Run(schedule, Arrays.copyOfRange(all, first, steps), stride);
    }

    private static final class Run extends AlphaSpaceRun {
        private final int stride;

        Run(NoiseSchedule schedule, int[] timesteps, int stride) {
            super(schedule, timesteps);
            this.stride = stride;
        }

        /** CompVis' DDIM (and diffusers' without set_alpha_to_one) ends at training step 0's level, not at 0. */
        @Override
        double finalSigma() {
            return schedule.sigma(Math.max(timesteps[timesteps.length - 1] - stride, 0));
        }

        @Override
        public Step step(int i, Latents x, Latents predictedNoise, NoiseSource noise) {
            order.take(i);
            int previous = timesteps[i] - stride;
            double alphaNext = schedule.alphaCumprod(Math.max(previous, 0));
            Latents denoised = predictedClean(x, predictedNoise, timesteps[i]);
            Latents next = denoised.combined(Math.sqrt(alphaNext), predictedNoise, Math.sqrt(1 - alphaNext));
            return new Step(next, denoised);
        }
    }
}
