package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The half of SD 1.5's UNet that the UNet and a ControlNet both have, at the same keys under
 * their own prefix: time_embed, the 12 input blocks (ldm's openaimodel.UNetModel: channel_mult
 * 1, 2, 4, 4, two ResBlocks a level, a SpatialTransformer after each at downsampling 1, 2 and 4,
 * a stride-2 conv between levels) and the middle block. Built once here, so the two networks
 * cannot drift apart; each subclass adds its own blocks after these, in its checkpoint's order.
 */
abstract class UNetEncoder extends NetworkBlock {

    /** The Transformer's sinusoid: periods from 2 pi up to 10000 x 2 pi (ldm's timestep_embedding). */
    private static final double MAX_PERIOD = 10000;

    final Sd15Widths widths;
    private final int sliceQueries;
    private final Linear timeIn;
    private final Linear timeOut;
    final List<Stage> inputBlocks = new ArrayList<>();
    final Stage middleBlock;
    /** The output width of each input block: the UNet's skip connections, the ControlNet's zero convs. */
    final List<Integer> skipWidths = new ArrayList<>();

    /**
     * @param key "model.diffusion_model" or "control_model", without the dot
     * @param inChannels the first conv's input channels: 4 latent channels, or 9 for the inpainting UNet
     * @param sliceQueries most attention query rows at once
     */
    UNetEncoder(String key, Sd15Widths widths, int inChannels, int sliceQueries) {
        super(key);
        this.widths = widths;
        this.sliceQueries = sliceQueries;
        int mc = widths.modelChannels();
        int emb = widths.timeEmbedding();
        int groups = widths.normGroups();
        timeIn = child("time_embed.0", new Linear(keyOf("time_embed.0"), mc, emb, true));
        timeOut = child("time_embed.2", new Linear(keyOf("time_embed.2"), emb, emb, true));

        inputBlock().add("0", k -> new Conv2d(k, inChannels, mc, 3));
        skipWidths.add(mc);
        int ch = mc;
        int[] mult = Sd15Layout.CHANNEL_MULT;
        for (int level = 0; level < mult.length; level++) {
            int out = mc * mult[level];
            for (int i = 0; i < Sd15Layout.RES_BLOCKS; i++) {
                Stage stage = inputBlock();
                int in = ch;
                stage.add("0", k -> new ResBlock(k, in, out, emb, groups));
                ch = out;
                if (Sd15Layout.UNET_ATTENTION[level]) {
                    stage.add("1", attention(ch));
                }
                skipWidths.add(ch);
            }
            if (level < mult.length - 1) {
                int width = ch;
                inputBlock().add("0.op", k -> new Conv2d(k, width, width, 3, 2, 1)); // the stride-2 downsample
                skipWidths.add(ch);
            }
        }
        int deepest = ch;
        middleBlock = child("middle_block", new Stage(keyOf("middle_block")));
        middleBlock.add("0", k -> new ResBlock(k, deepest, deepest, emb, groups));
        middleBlock.add("1", attention(deepest));
        middleBlock.add("2", k -> new ResBlock(k, deepest, deepest, emb, groups));
    }

    private Stage inputBlock() {
        String segment = "input_blocks." + inputBlocks.size();
        Stage stage = child(segment, new Stage(keyOf(segment)));
        inputBlocks.add(stage);
        return stage;
    }

    /** A SpatialTransformer of {@code channels} at the key it is given. */
    final Function<String, NetworkBlock> attention(int channels) {
        return k -> new SpatialTransformer(k, channels, widths.textWidth(), widths.unetHeads(), widths.normGroups(), sliceQueries);
    }

    public Sd15Widths widths() {
        return widths;
    }

    /** The width of the middle block, the deepest level's. */
    int deepestWidth() {
        return skipWidths.get(skipWidths.size() - 1);
    }

    /** The output shape of each input block for an input of {@code input}'s shape: what ControlNet residuals have. */
    public List<Shape> skipShapes(Shape input) {
        List<Shape> shapes = new ArrayList<>();
        Shape shape = input;
        for (Stage stage : inputBlocks) {
            shape = stage.getOutputShapes(new Shape[] {shape})[0];
            shapes.add(shape);
        }
        return shapes;
    }

    /** time_embed of the timesteps' sinusoid, in {@code type}: what every ResBlock adds per channel. */
    final NDArray embedTime(NDArray timesteps, DataType type) {
        return timeOut.apply(Scoped.silu(timeIn.apply(timestepEmbedding(timesteps, widths.modelChannels()).toType(type, false))));
    }

    /**
     * ldm's timestep_embedding: cos then sin of t times frequencies exp(-ln(10000) i / half),
     * computed in fp32 with the reference's order of operations (it matters at t near 1000).
     */
    static NDArray timestepEmbedding(NDArray timesteps, int dim) {
        int half = dim / 2;
        NDArray frequencies = timesteps.getManager().arange(0, half, 1, DataType.FLOAT32, timesteps.getDevice())
                .mul((float) -Math.log(MAX_PERIOD)).div(half).exp();
        NDArray args = timesteps.toType(DataType.FLOAT32, false).reshape(-1, 1).mul(frequencies.reshape(1, half));
        return NDArrays.concat(new NDList(args.cos(), args.sin()), 1);
    }

    /** ldm's TimestepEmbedSequential: blocks one after another, each given what it takes. */
    static final class Stage extends ConditionedBlock {

        private final List<NetworkBlock> parts = new ArrayList<>();

        Stage(String key) {
            super(key);
        }

        /** Adds a block made at this stage's key plus {@code segment}. */
        void add(String segment, Function<String, ? extends NetworkBlock> make) {
            parts.add(child(segment, make.apply(keyOf(segment))));
        }

        @Override
        NDArray apply(NDArray x, NDArray timeEmbedding, NDArray context) {
            return Scoped.compute(() -> {
                NDArray h = x;
                for (NetworkBlock part : parts) {
                    NDArray next = run(part, h, timeEmbedding, context);
                    if (h != x) {
                        h.close();
                    }
                    h = next;
                }
                return h;
            });
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            Shape shape = inputs[0];
            for (NetworkBlock part : parts) {
                shape = part.getOutputShapes(new Shape[] {shape})[0];
            }
            return new Shape[] {shape};
        }
    }
}
