package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * ldm's attention.SpatialTransformer of SD 1.5 (v1: 1x1 conv proj_in/proj_out, depth 1):
 * norm, project, pixels become a sequence of tokens for one {@link TransformerBlock}, back to a
 * picture, project, plus the input.
 */
final class SpatialTransformer extends ConditionedBlock {

    /** ldm's Normalize() here is a plain torch GroupNorm with epsilon 1e-6, unlike the ResBlocks' 1e-5. */
    static final float NORM_EPSILON = 1e-6f;

    private final GroupNorm norm;
    private final Conv2d projIn;
    private final TransformerBlock block;
    private final Conv2d projOut;

    SpatialTransformer(String key, int channels, int contextWidth, int heads, int groups, int sliceQueries) {
        super(key);
        norm = child("norm", new GroupNorm(keyOf("norm"), groups, channels, NORM_EPSILON));
        projIn = child("proj_in", new Conv2d(keyOf("proj_in"), channels, channels, 1));
        block = child("transformer_blocks.0",
                new TransformerBlock(keyOf("transformer_blocks.0"), channels, contextWidth, heads, sliceQueries));
        projOut = child("proj_out", new Conv2d(keyOf("proj_out"), channels, channels, 1));
    }

    @Override
    NDArray apply(NDArray x, NDArray timeEmbedding, NDArray context) {
        return Scoped.compute(() -> {
            Shape s = x.getShape();
            long b = s.get(0);
            long c = s.get(1);
            long h = s.get(2);
            long w = s.get(3);
            NDArray tokens = projIn.apply(norm.apply(x)).transpose(0, 2, 3, 1).reshape(b, h * w, c);
            NDArray picture = block.apply(tokens, context).transpose(0, 2, 1).reshape(b, c, h, w);
            return projOut.apply(picture).addi(x);
        });
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return new Shape[] {inputs[0]};
    }
}
