package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * ldm's diffusionmodules.model.ResnetBlock as the VAE uses it (no time embedding, no dropout
 * at inference): x + conv2(swish(norm2(conv1(swish(norm1(x)))))), the x going through a 1x1
 * conv (nin_shortcut) when the width changes.
 */
public final class ResnetBlock extends NetworkBlock {

    /** ldm's Normalize: GroupNorm with eps 1e-6 (torch's default is 1e-5). */
    static final float EPSILON = 1e-6f;

    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d shortcut;

    public ResnetBlock(String key, int in, int out, int groups) {
        super(key);
        norm1 = child("norm1", new GroupNorm(keyOf("norm1"), groups, in, EPSILON));
        conv1 = child("conv1", new Conv2d(keyOf("conv1"), in, out, 3));
        norm2 = child("norm2", new GroupNorm(keyOf("norm2"), groups, out, EPSILON));
        conv2 = child("conv2", new Conv2d(keyOf("conv2"), out, out, 3));
        shortcut = in == out ? null : child("nin_shortcut", new Conv2d(keyOf("nin_shortcut"), in, out, 1));
    }

    @Override
    public NDArray apply(NDArray x) {
        NDArray h = Scoped.then(Scoped.normSwish(norm1, x), conv1::apply);
        h = Scoped.then(Scoped.then(h, n -> Scoped.normSwish(norm2, n)), conv2::apply);
        if (shortcut == null) {
            return h.addi(x);
        }
        return Scoped.then(shortcut.apply(x), h::addi);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return conv1.getOutputShapes(inputs);
    }
}
