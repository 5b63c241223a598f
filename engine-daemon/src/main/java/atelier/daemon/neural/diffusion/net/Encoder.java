package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.util.ArrayList;
import java.util.List;

/**
 * ldm's diffusionmodules.model.Encoder with SD 1.5's ddconfig: conv_in, four levels of two
 * ResnetBlocks at 1, 2, 4, 4 times the base width with a stride-2 Downsample after all but
 * the last, the middle (ResnetBlock, AttnBlock, ResnetBlock), then norm, swish and conv_out
 * to the latent's mean and log-variance (2 x 4 channels, double_z). An image (B, 3, H, W)
 * becomes (B, 8, H/8, W/8), rounded up.
 */
public final class Encoder extends NetworkBlock {

    static final int[] CHANNEL_MULT = {1, 2, 4, 4};
    static final int RES_BLOCKS = 2;
    static final int IMAGE_CHANNELS = 3;

    private final Conv2d convIn;
    private final List<NetworkBlock> stages = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;

    public Encoder(String key, int channels, int groups) {
        super(key);
        convIn = child("conv_in", new Conv2d(keyOf("conv_in"), IMAGE_CHANNELS, channels, 3));
        int in = channels;
        for (int level = 0; level < CHANNEL_MULT.length; level++) {
            int out = channels * CHANNEL_MULT[level];
            for (int i = 0; i < RES_BLOCKS; i++) {
                stage("down." + level + ".block." + i, new ResnetBlock(keyOf("down." + level + ".block." + i), in, out, groups));
                in = out;
            }
            if (level < CHANNEL_MULT.length - 1) {
                stage("down." + level + ".downsample", new Downsample(keyOf("down." + level + ".downsample"), in));
            }
        }
        stage("mid.block_1", new ResnetBlock(keyOf("mid.block_1"), in, in, groups));
        stage("mid.attn_1", new AttnBlock(keyOf("mid.attn_1"), in, groups));
        stage("mid.block_2", new ResnetBlock(keyOf("mid.block_2"), in, in, groups));
        normOut = child("norm_out", new GroupNorm(keyOf("norm_out"), groups, in, ResnetBlock.EPSILON));
        convOut = child("conv_out", new Conv2d(keyOf("conv_out"), in, 2 * Sd15Widths.LATENT_CHANNELS, 3));
    }

    private void stage(String segment, NetworkBlock block) {
        stages.add(child(segment, block));
    }

    @Override
    public NDArray apply(NDArray image) {
        NDArray h = convIn.apply(image);
        for (NetworkBlock stage : stages) {
            h = Scoped.then(h, stage::apply);
        }
        return Scoped.then(Scoped.then(h, x -> Scoped.normSwish(normOut, x)), convOut::apply);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape s = inputs[0];
        return new Shape[] {new Shape(s.get(0), 2 * Sd15Widths.LATENT_CHANNELS, (s.get(2) + 7) / 8, (s.get(3) + 7) / 8)};
    }

    /**
     * ldm's Downsample with a conv: zero-pad one column right and one row bottom (torch convs
     * only pad symmetrically), then a 3x3 stride-2 conv without padding; H becomes ceil(H / 2).
     */
    public static final class Downsample extends NetworkBlock {

        /** torch.nn.functional.pad order: (left, right, top, bottom) of the last two axes. */
        private static final Shape RIGHT_AND_BOTTOM = new Shape(0, 1, 0, 1);

        private final Conv2d conv;

        public Downsample(String key, int channels) {
            super(key);
            conv = child("conv", new Conv2d(keyOf("conv"), channels, channels, 3, 2, 0));
        }

        @Override
        public NDArray apply(NDArray x) {
            return Scoped.then(x.pad(RIGHT_AND_BOTTOM, 0), conv::apply);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            Shape s = inputs[0];
            return new Shape[] {new Shape(s.get(0), s.get(1), (s.get(2) + 1) / 2, (s.get(3) + 1) / 2)};
        }
    }
}
