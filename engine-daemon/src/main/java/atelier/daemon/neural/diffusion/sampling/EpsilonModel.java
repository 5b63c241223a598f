package atelier.daemon.neural.diffusion.sampling;

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
     * The predictions for several inputs at one timestep, input k under conditioning k (a
     * step's guidance branches and variants). By default one call each; a network that batches
     * does them in as few passes as memory allows.
     */
    default java.util.List<Latents> predictNoiseMany(java.util.List<Latents> inputs, double timestep,
                                                    java.util.List<C> conditionings) {
        java.util.List<Latents> out = new java.util.ArrayList<>();
        for (int k = 0; k < inputs.size(); k++) {
            out.add(predictNoise(inputs.get(k), timestep, conditionings.get(k)));
        }
        return out;
    }
}
