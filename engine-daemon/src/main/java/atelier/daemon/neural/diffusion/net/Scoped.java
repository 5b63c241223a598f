package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/**
 * Frees a block's intermediates as soon as the block is done, as PyTorch's reference counting
 * does: DJL keeps every array until its manager closes, so without this one UNet call would
 * hold all its activations (gigabytes at 512x512) until the end of the step, and the VAE, whose
 * activations are the largest (a 256-channel 512x512 map is 256 MB in fp32), several times that.
 */
final class Scoped {

    private Scoped() {
    }

    /**
     * Runs {@code body} in an {@link NDScope}: every array made inside is closed afterwards except
     * the result, which moves to the enclosing scope (if any), so it is freed when that one ends.
     * The body must return an array it made (a view counts), never one it was given.
     */
    static NDArray compute(Supplier<NDArray> body) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            result = body.get();
            NDScope.unregister(result);
        }
        NDScope.register(result);
        return result;
    }

    /** {@code f(a)}, then frees {@code a}; for intermediates only, never a caller's array. */
    static NDArray then(NDArray a, java.util.function.UnaryOperator<NDArray> f) {
        NDArray result = f.apply(a);
        a.close();
        return result;
    }

    /** swish(norm(x)), ldm's nonlinearity(Normalize(x)), the normalised copy freed on the way. */
    static NDArray normSwish(GroupNorm norm, NDArray x) {
        return compute(() -> silu(compute(() -> norm.apply(x))));
    }

    /** SiLU, x * sigmoid(x), with one new array instead of two. */
    static NDArray silu(NDArray x) {
        return x.getNDArrayInternal().sigmoid().muli(x);
    }
}
