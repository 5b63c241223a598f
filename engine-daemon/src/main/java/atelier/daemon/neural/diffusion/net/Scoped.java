package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/**
 * Frees a block's intermediates as soon as the block is done, as PyTorch's reference counting
 * does: DJL keeps every array until its manager closes, so without this one UNet call would
 * hold all its activations (gigabytes at 512x512) until the end of the step.
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

    /** SiLU, x * sigmoid(x), with one new array instead of two. */
    static NDArray silu(NDArray x) {
        return x.getNDArrayInternal().sigmoid().muli(x);
    }
}
