package atelier.daemon.neural.diffusion.sampling;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
        return predictNoise(model, List.of(input), timestep).get(0);
    }

    /**
     * The guided predictions for several latents at one timestep (variants of a request), the
     * model given every call of the step at once: the prompt's for each, then, with guidance,
     * the negative prompt's for each.
     */
    public List<Latents> predictNoise(EpsilonModel<C> model, List<Latents> inputs, double timestep) {
        int n = inputs.size();
        if (scale == 1) {
            return model.predictNoiseMany(inputs, timestep, Collections.nCopies(n, conditioning));
        }
        List<Latents> both = new ArrayList<>(inputs);
        both.addAll(inputs);
        List<C> conditionings = new ArrayList<>(Collections.nCopies(n, conditioning));
        conditionings.addAll(Collections.nCopies(n, unconditional));
        List<Latents> predicted = model.predictNoiseMany(both, timestep, conditionings);
        List<Latents> guided = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            guided.add(predicted.get(n + k).combined(1 - scale, predicted.get(k), scale));
        }
        return guided;
    }
}
