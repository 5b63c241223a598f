package atelier.daemon.neural.diffusion;

import java.util.Objects;

/**
 * Classifier-free guidance (Ho and Salimans 2022): the prediction for the prompt pushed
 * away from the one for the negative (or empty) prompt,
 * {@code uncond + scale * (cond - uncond)}. Scale 1 is the prompt's prediction alone, and
 * needs no second network call.
 *
 * @param <C> the model's conditioning type
 */
public record Guidance<C>(C conditioning, C unconditional, double scale) {

    public Guidance {
        Objects.requireNonNull(conditioning, "conditioning");
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("guidance scale must be finite, got " + scale);
        }
        if (scale != 1) {
            Objects.requireNonNull(unconditional, "unconditional conditioning (needed for guidance scale " + scale + ")");
        }
    }

    /** The prompt's prediction only: no guidance. */
    public static <C> Guidance<C> none(C conditioning) {
        return new Guidance<>(conditioning, null, 1);
    }

    /** The guided noise prediction for these latents. */
    public Latents predictNoise(EpsilonModel<C> model, Latents input, double timestep) {
        if (scale == 1) {
            return model.predictNoise(input, timestep, conditioning);
        }
        java.util.List<Latents> pair = model.predictNoisePair(input, timestep, conditioning, unconditional);
        return pair.get(1).combined(1 - scale, pair.get(0), scale);
    }
}
