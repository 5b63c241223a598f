package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Memory habits of the VAE's forward pass. Its activations are the largest arrays Atelier
 * makes (a 256-channel 512x512 map is 256 MB in fp32), so each is freed as soon as the next
 * exists instead of waiting for the call's manager to close: at most the block input and
 * two or three activations of that size live at once.
 */
final class Forward {

    private Forward() {
    }

    /**
     * Runs {@code body} in its own NDScope: every array it makes except the result is freed on
     * return; the result joins the enclosing scope, if any, like any array made there (without
     * that, a step's result inside another step would outlive both).
     */
    static NDArray step(Supplier<NDArray> body) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            result = body.get();
            NDScope.unregister(result);
        }
        NDScope.register(result);
        return result;
    }

    /** {@code f(a)}, then frees {@code a}; for intermediates only, never a caller's array. */
    static NDArray then(NDArray a, UnaryOperator<NDArray> f) {
        NDArray result = f.apply(a);
        a.close();
        return result;
    }

    /** swish(norm(x)), ldm's nonlinearity(Normalize(x)); the sigmoid is multiplied in place. */
    static NDArray normSwish(GroupNorm norm, NDArray x) {
        return step(() -> {
            NDArray normed = step(() -> norm.apply(x));
            return normed.getNDArrayInternal().sigmoid().muli(normed);
        });
    }
}
