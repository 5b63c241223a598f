package atelier.daemon.neural.diffusion.pipeline;

import ai.djl.ndarray.NDArray;
import atelier.daemon.neural.diffusion.net.ControlNet;
import java.util.Objects;

/**
 * A ControlNet steering a sampling run, with the settings artists know from the web UIs:
 * the control picture, a strength that scales every residual, and the part of the run it acts
 * in. Step i of n runs the ControlNet when i / n lies in [start, end): start 0 and end 1 is
 * every step; end 0.5 lets the lines set the composition in the first half and leaves the
 * second half's details to the prompt.
 *
 * @param network the loaded ControlNet, for the UNet it runs with
 * @param picture (1, 3, 8 h, 8 w) for latents of h x w, values in 0..1 (for the line-art models:
 *     white lines on black, as their preprocessors draw them)
 * @param strength 0 (no control: the plain UNet) to 2; 1 as trained
 * @param start fraction of the run before which the ControlNet is not run, 0..1
 * @param end fraction of the run from which it is not run any more, start..1
 */
public record ControlGuide(ControlNet network, NDArray picture, double strength, double start, double end) {

    public ControlGuide {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(picture, "picture");
        if (!(strength >= 0 && strength <= 2)) {
            throw new IllegalArgumentException("control strength must be in 0..2, got " + strength);
        }
        if (!(start >= 0 && start <= end && end <= 1)) {
            throw new IllegalArgumentException("control start and end must satisfy 0 <= start <= end <= 1, got " + start + " and " + end);
        }
    }

    /** Every step at full strength. */
    public static ControlGuide always(ControlNet network, NDArray picture) {
        return new ControlGuide(network, picture, 1, 0, 1);
    }

    /** Whether the ControlNet runs at step {@code step} of {@code steps}. */
    public boolean actsAt(int step, int steps) {
        double fraction = (double) step / steps;
        return strength > 0 && fraction >= start && fraction < end;
    }
}
