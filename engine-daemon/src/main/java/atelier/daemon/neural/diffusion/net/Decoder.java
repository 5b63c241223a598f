package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.util.ArrayList;
import java.util.List;

/**
 * ldm's diffusionmodules.model.Decoder with SD 1.5's ddconfig: conv_in from the 4 latent
 * channels to 4x the base width, the middle (ResnetBlock, AttnBlock, ResnetBlock), then the
 * levels deepest first, three ResnetBlocks each and a nearest x2 Upsample after all but the
 * shallowest, then norm, swish and conv_out to RGB. Latents (B, 4, h, w) become (B, 3, 8h, 8w).
 * ldm builds the levels deepest first but stores them by level index, so the keys run
 * up.3 ... up.0.
 */
public final class Decoder extends NetworkBlock {

    private final Conv2d convIn;
    private final List<NetworkBlock> stages = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;

    public Decoder(String key, int channels, int groups) {
        super(key);
        int[] mult = Encoder.CHANNEL_MULT;
        int in = channels * mult[mult.length - 1];
        convIn = child("conv_in", new Conv2d(keyOf("conv_in"), Sd15Widths.LATENT_CHANNELS, in, 3));
        stage("mid.block_1", new ResnetBlock(keyOf("mid.block_1"), in, in, groups));
        stage("mid.attn_1", new AttnBlock(keyOf("mid.attn_1"), in, groups));
        stage("mid.block_2", new ResnetBlock(keyOf("mid.block_2"), in, in, groups));
        for (int level = mult.length - 1; level >= 0; level--) {
            int out = channels * mult[level];
            for (int i = 0; i <= Encoder.RES_BLOCKS; i++) {
                stage("up." + level + ".block." + i, new ResnetBlock(keyOf("up." + level + ".block." + i), in, out, groups));
                in = out;
            }
            if (level > 0) {
                stage("up." + level + ".upsample", new Upsample(keyOf("up." + level + ".upsample"), in));
            }
        }
        normOut = child("norm_out", new GroupNorm(keyOf("norm_out"), groups, in, ResnetBlock.EPSILON));
        convOut = child("conv_out", new Conv2d(keyOf("conv_out"), in, Encoder.IMAGE_CHANNELS, 3));
    }

    private void stage(String segment, NetworkBlock block) {
        stages.add(child(segment, block));
    }

    @Override
    public NDArray apply(NDArray latents) {
        NDArray h = convIn.apply(latents);
        for (NetworkBlock stage : stages) {
            h = Scoped.then(h, stage::apply);
        }
        return Scoped.then(Scoped.then(h, x -> Scoped.normSwish(normOut, x)), convOut::apply);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape s = inputs[0];
        return new Shape[] {new Shape(s.get(0), Encoder.IMAGE_CHANNELS, 8 * s.get(2), 8 * s.get(3))};
    }

    /** ldm's Upsample with a conv: nearest-neighbour x2 (each value repeated 2x2), then a 3x3 conv. */
    public static final class Upsample extends NetworkBlock {

        private final Conv2d conv;

        public Upsample(String key, int channels) {
            super(key);
            conv = child("conv", new Conv2d(keyOf("conv"), channels, channels, 3));
        }

        @Override
        public NDArray apply(NDArray x) {
            Shape s = x.getShape();
            long b = s.get(0);
            long c = s.get(1);
            long h = s.get(2);
            long w = s.get(3);
            // A broadcast view repeats each value; the one reshape copies it into the doubled map.
            NDArray doubled = Scoped.compute(() -> x.reshape(b, c, h, 1, w, 1).broadcast(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w));
            return Scoped.then(doubled, conv::apply);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            Shape s = inputs[0];
            return new Shape[] {new Shape(s.get(0), s.get(1), 2 * s.get(2), 2 * s.get(3))};
        }
    }
}
