package atelier.daemon.neural.diffusion.checkpoint;

import java.util.Arrays;
import java.util.List;

/**
 * The shape a checkpoint key must have. A 1x1 convolution may also come as the equivalent
 * linear weight [out, in]: SD 1.5 files converted from the diffusers format store the VAE's
 * attention projections that way, and they load the same.
 */
public record ExpectedShape(List<Long> shape, boolean linearAllowed) {

    static ExpectedShape of(long... shape) {
        return new ExpectedShape(Arrays.stream(shape).boxed().toList(), false);
    }

    static ExpectedShape pointwiseConvOrLinear(long out, long in) {
        return new ExpectedShape(List.of(out, in, 1L, 1L), true);
    }

    public boolean matches(List<Long> actual) {
        return actual.equals(shape) || (linearAllowed && actual.equals(shape.subList(0, 2)));
    }

    @Override
    public String toString() {
        return linearAllowed ? shape + " or " + shape.subList(0, 2) : shape.toString();
    }
}
