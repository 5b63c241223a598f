package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * ldm's attention.BasicTransformerBlock: self-attention, cross-attention to the text, and a
 * GEGLU feed-forward, each after a LayerNorm and added to its input. The children are made in
 * the reference's order (attn1, ff, attn2, norms) so the weights walk in checkpoint order.
 */
final class TransformerBlock extends NetworkBlock {

    /** torch.nn.LayerNorm's default. */
    static final float NORM_EPSILON = 1e-5f;

    private final CrossAttention selfAttention;
    private final Linear gegluProjection;
    private final Linear feedForwardOut;
    private final CrossAttention crossAttention;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final LayerNorm norm3;
    private final int inner;

    TransformerBlock(String key, int width, int contextWidth, int heads, int sliceQueries) {
        super(key);
        inner = 4 * width;
        selfAttention = child("attn1", new CrossAttention(keyOf("attn1"), width, width, heads, sliceQueries));
        gegluProjection = child("ff.net.0.proj", new Linear(keyOf("ff.net.0.proj"), width, 2 * inner, true));
        feedForwardOut = child("ff.net.2", new Linear(keyOf("ff.net.2"), inner, width, true));
        crossAttention = child("attn2", new CrossAttention(keyOf("attn2"), width, contextWidth, heads, sliceQueries));
        norm1 = child("norm1", new LayerNorm(keyOf("norm1"), width, NORM_EPSILON));
        norm2 = child("norm2", new LayerNorm(keyOf("norm2"), width, NORM_EPSILON));
        norm3 = child("norm3", new LayerNorm(keyOf("norm3"), width, NORM_EPSILON));
    }

    /** @param x (B, N, width) tokens; @param context (B, M, context width) */
    NDArray apply(NDArray x, NDArray context) {
        return Scoped.compute(() -> {
            NDArray h = selfAttention.apply(norm1.apply(x)).addi(x);
            h = crossAttention.apply(norm2.apply(h), context).addi(h);
            return feedForward(norm3.apply(h)).addi(h);
        });
    }

    /** GEGLU (Shazeer 2020): the projection's first half times the exact GELU of its second half. */
    private NDArray feedForward(NDArray x) {
        return Scoped.compute(() -> {
            NDList halves = gegluProjection.apply(x).split(2, 2); // (B, N, 2 x inner) in halves
            return feedForwardOut.apply(halves.get(1).getNDArrayInternal().gelu().muli(halves.get(0)));
        });
    }

    @Override
    public NDArray apply(NDArray x) {
        throw new UnsupportedOperationException(key() + " needs the text context as well");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return new Shape[] {inputs[0]};
    }
}
