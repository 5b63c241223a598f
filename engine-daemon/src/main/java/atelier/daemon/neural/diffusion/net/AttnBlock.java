package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * ldm's diffusionmodules.model.AttnBlock, the VAE's only attention (in the middle, at 1/8
 * scale): single-head self-attention over all positions, with q, k, v and proj_out as 1x1
 * convs, added to the input. Computed by {@link Attention} with one head, sliced, so a
 * 128x128 latent (a 1024x1024 decode) never holds its whole 16384 x 16384 score matrix.
 */
public final class AttnBlock extends NetworkBlock {

    private final GroupNorm norm;
    private final Conv2d q;
    private final Conv2d k;
    private final Conv2d v;
    private final Conv2d projOut;

    public AttnBlock(String key, int channels, int groups) {
        super(key);
        norm = child("norm", new GroupNorm(keyOf("norm"), groups, channels, ResnetBlock.EPSILON));
        q = child("q", new Conv2d(keyOf("q"), channels, channels, 1));
        k = child("k", new Conv2d(keyOf("k"), channels, channels, 1));
        v = child("v", new Conv2d(keyOf("v"), channels, channels, 1));
        projOut = child("proj_out", new Conv2d(keyOf("proj_out"), channels, channels, 1));
    }

    @Override
    public NDArray apply(NDArray x) {
        Shape s = x.getShape();
        return Scoped.compute(() -> {
            NDArray normed = norm.apply(x);
            NDArray attended = Attention.scaledDotProduct(tokens(q.apply(normed)), tokens(k.apply(normed)),
                    tokens(v.apply(normed)), 1, false, Attention.DEFAULT_SLICE);
            NDArray map = attended.transpose(0, 2, 1).reshape(s);
            return projOut.apply(map).addi(x);
        });
    }

    /** (B, C, H, W) -> (B, H*W, C): one token a position, as ldm's reshape and permute. */
    private static NDArray tokens(NDArray map) {
        Shape s = map.getShape();
        return map.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return new Shape[] {inputs[0]};
    }
}
