package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * ldm's attention.CrossAttention: bias-free q, k, v projections, multi-head attention, a biased
 * output projection (to_out.0). Self-attention when the context is the input itself.
 */
final class CrossAttention extends NetworkBlock {

    private final int heads;
    private final int sliceQueries;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;

    CrossAttention(String key, int width, int contextWidth, int heads, int sliceQueries) {
        super(key);
        this.heads = heads;
        this.sliceQueries = sliceQueries;
        toQ = child("to_q", new Linear(keyOf("to_q"), width, width, false));
        toK = child("to_k", new Linear(keyOf("to_k"), contextWidth, width, false));
        toV = child("to_v", new Linear(keyOf("to_v"), contextWidth, width, false));
        toOut = child("to_out.0", new Linear(keyOf("to_out.0"), width, width, true));
    }

    /**
     * @param x (B, N, width)
     * @param context (B, M, context width)
     */
    NDArray apply(NDArray x, NDArray context) {
        return Scoped.compute(() -> toOut.apply(
                Attention.scaledDotProduct(toQ.apply(x), toK.apply(context), toV.apply(context), heads, false, sliceQueries)));
    }

    @Override
    public NDArray apply(NDArray x) {
        return apply(x, x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return new Shape[] {inputs[0]};
    }
}
