package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * ldm's openaimodel.ResBlock as SD 1.5 uses it: norm, SiLU, 3x3 conv; the time embedding
 * (SiLU, linear) added per channel; norm, SiLU, (dropout: none at inference), 3x3 conv; plus
 * the input, through a 1x1 conv when the width changes.
 */
final class ResBlock extends ConditionedBlock {

    /** GroupNorm32's epsilon (torch's default). */
    static final float NORM_EPSILON = 1e-5f;

    private final int out;
    private final GroupNorm inNorm;
    private final Conv2d inConv;
    private final Linear embedding;
    private final GroupNorm outNorm;
    private final Conv2d outConv;
    private final Conv2d skip;

    ResBlock(String key, int in, int out, int timeEmbedding, int groups) {
        super(key);
        this.out = out;
        inNorm = child("in_layers.0", new GroupNorm(keyOf("in_layers.0"), groups, in, NORM_EPSILON));
        inConv = child("in_layers.2", new Conv2d(keyOf("in_layers.2"), in, out, 3));
        embedding = child("emb_layers.1", new Linear(keyOf("emb_layers.1"), timeEmbedding, out, true));
        outNorm = child("out_layers.0", new GroupNorm(keyOf("out_layers.0"), groups, out, NORM_EPSILON));
        outConv = child("out_layers.3", new Conv2d(keyOf("out_layers.3"), out, out, 3));
        skip = in == out ? null : child("skip_connection", new Conv2d(keyOf("skip_connection"), in, out, 1));
    }

    @Override
    NDArray apply(NDArray x, NDArray timeEmbedding, NDArray context) {
        return Scoped.compute(() -> {
            NDArray h = inConv.apply(Scoped.silu(inNorm.apply(x)));
            NDArray perChannel = embedding.apply(Scoped.silu(timeEmbedding));
            h = h.addi(perChannel.reshape(perChannel.getShape().get(0), out, 1, 1));
            h = outConv.apply(Scoped.silu(outNorm.apply(h)));
            return h.addi(skip == null ? x : skip.apply(x));
        });
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape s = inputs[0];
        return new Shape[] {new Shape(s.get(0), out, s.get(2), s.get(3))};
    }
}
