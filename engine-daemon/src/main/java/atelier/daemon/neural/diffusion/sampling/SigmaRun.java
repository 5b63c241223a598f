package atelier.daemon.neural.diffusion.sampling;

import java.util.Arrays;

/**
 * A run in k-diffusion's view of the schedule: the latents are {@code x0 + sigma * noise},
 * sigma falling along the run to 0 after the last step. The network, trained on
 * {@code sqrt(ac) * x0 + sqrt(1 - ac) * noise}, sees them divided by
 * {@code sqrt(sigma^2 + 1)}, which is that same mixture. Its noise prediction gives the
 * clean estimate {@code x - sigma * eps}; subclasses decide how to step from there.
 */
abstract class SigmaRun implements SchedulerRun {

    /** The noise level before each step, and a last entry for after the last step. */
    protected final double[] sigmas;
    private final double[] timesteps;
    private final StepOrder order;

    /**
     * The part of a full run of {@code timesteps.length} steps that starts at {@code first}.
     *
     * @param sigmas one level per step and the final level after the last
     */
    SigmaRun(double[] sigmas, double[] timesteps, int first) {
        if (sigmas.length != timesteps.length + 1) {
            throw new IllegalArgumentException(sigmas.length + " sigmas for " + timesteps.length + " steps");
        }
        this.sigmas = Arrays.copyOfRange(sigmas, first, sigmas.length);
        this.timesteps = Arrays.copyOfRange(timesteps, first, timesteps.length);
        this.order = new StepOrder(this.timesteps.length);
    }

    @Override
    public int steps() {
        return timesteps.length;
    }

    @Override
    public double timestep(int i) {
        return timesteps[i];
    }

    @Override
    public double[] sigmas() {
        return sigmas.clone();
    }

    /** The noise level before step i (i = steps(): after the last). */
    public double sigma(int i) {
        return sigmas[i];
    }

    @Override
    public double inputScale(int i) {
        return 1 / Math.sqrt(sigmas[i] * sigmas[i] + 1);
    }

    /**
     * Noise at the first level, as k-diffusion starts ({@code noise * sigma_max}) and as
     * diffusers' Euler schedulers do with "linspace" spacing.
     */
    @Override
    public Latents fromNoise(Latents noise) {
        return noise.scaled(sigmas[0]);
    }

    @Override
    public Latents imageAtLevel(int i, Latents image, Latents noise) {
        return image.plus(noise, sigmas[i]);
    }

    @Override
    public final Step step(int i, Latents x, Latents predictedNoise, NoiseSource noise) {
        order.take(i);
        Latents denoised = x.plus(predictedNoise, -sigmas[i]);
        return new Step(advance(i, x, predictedNoise, denoised, noise), denoised);
    }

    /** The latents at level {@code sigmas[i + 1]}. */
    abstract Latents advance(int i, Latents x, Latents predictedNoise, Latents denoised, NoiseSource noise);
}
