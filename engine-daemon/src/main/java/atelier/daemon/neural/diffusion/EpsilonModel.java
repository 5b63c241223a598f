package atelier.daemon.neural.diffusion;

/**
 * A denoising network that predicts the noise in its input (SD 1.5's UNet, with or
 * without ControlNet): latents, timestep and conditioning in, predicted noise out.
 *
 * @param <C> what conditions it: for SD 1.5, text-encoder hidden states
 */
@FunctionalInterface
public interface EpsilonModel<C> {

    /**
     * @param input the latents, already scaled by the scheduler to the network's variance
     * @param timestep the training step the input's noise level stands for (may be fractional)
     */
    Latents predictNoise(Latents input, double timestep, C conditioning);

    /**
     * Told by the {@link Sampler} before the calls of step {@code step} (0-based) of {@code steps}:
     * for a model that acts only in part of the run (a ControlNet's start and end). Nothing by default.
     */
    default void beginStep(int step, int steps) {
    }

    /**
     * The predictions for two conditionings of the same input, classifier-free guidance's pair,
     * in that order. By default two calls; a network that batches does both in one pass.
     */
    default java.util.List<Latents> predictNoisePair(Latents input, double timestep, C first, C second) {
        return java.util.List.of(predictNoise(input, timestep, first), predictNoise(input, timestep, second));
    }
}
