package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import atelier.daemon.neural.diffusion.Sd15Layout;
import atelier.daemon.neural.diffusion.Sd15Widths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * SD 1.5's denoising UNet, ldm.modules.diffusionmodules.openaimodel.UNetModel with the
 * v1-inference.yaml settings (channel_mult 1, 2, 4, 4; two ResBlocks a level; a
 * SpatialTransformer after each at downsampling 1, 2 and 4; legacy False, so heads split each
 * level's width), every size from {@link Sd15Widths}. The blocks stand at the checkpoint's keys
 * (model.diffusion_model.input_blocks.1.1.proj_in ...), so {@link CheckpointWeights#load} fills
 * it from a single-file checkpoint; 4 input channels, or 9 for the inpainting variant.
 */
public final class UNet extends NetworkBlock {

    /** The Transformer's sinusoid: periods from 2 pi up to 10000 x 2 pi (ldm's timestep_embedding). */
    private static final double MAX_PERIOD = 10000;

    private final Sd15Widths widths;
    private final Linear timeIn;
    private final Linear timeOut;
    private final List<Stage> inputBlocks = new ArrayList<>();
    private final Stage middleBlock;
    private final List<Stage> outputBlocks = new ArrayList<>();
    private final GroupNorm outNorm;
    private final Conv2d outConv;

    /** SD 1.5's UNet at the checkpoint's keys, attention sliced at {@link Attention#DEFAULT_SLICE} query rows. */
    public UNet(Sd15Widths widths) {
        this(widths, Attention.DEFAULT_SLICE);
    }

    /** @param sliceQueries most attention query rows at once: less memory for smaller slices, the same result */
    public UNet(Sd15Widths widths, int sliceQueries) {
        super(Sd15Layout.UNET.substring(0, Sd15Layout.UNET.length() - 1));
        this.widths = widths;
        int mc = widths.modelChannels();
        int emb = widths.timeEmbedding();
        int groups = widths.normGroups();
        Function<Integer, Function<String, NetworkBlock>> attention = ch -> key ->
                new SpatialTransformer(key, ch, widths.textWidth(), widths.unetHeads(), groups, sliceQueries);
        timeIn = child("time_embed.0", new Linear(keyOf("time_embed.0"), mc, emb, true));
        timeOut = child("time_embed.2", new Linear(keyOf("time_embed.2"), emb, emb, true));

        Stage first = inputBlock();
        first.add("0", key -> new Conv2d(key, widths.unetInChannels(), mc, 3));
        List<Integer> skipWidths = new ArrayList<>(List.of(mc));
        int ch = mc;
        int[] mult = Sd15Layout.CHANNEL_MULT;
        for (int level = 0; level < mult.length; level++) {
            int out = mc * mult[level];
            for (int i = 0; i < Sd15Layout.RES_BLOCKS; i++) {
                Stage stage = inputBlock();
                int in = ch;
                stage.add("0", key -> new ResBlock(key, in, out, emb, groups));
                ch = out;
                if (Sd15Layout.UNET_ATTENTION[level]) {
                    stage.add("1", attention.apply(ch));
                }
                skipWidths.add(ch);
            }
            if (level < mult.length - 1) {
                int width = ch;
                inputBlock().add("0.op", key -> new Conv2d(key, width, width, 3, 2, 1)); // the stride-2 downsample
                skipWidths.add(ch);
            }
        }
        int deepest = ch;
        middleBlock = child("middle_block", new Stage(keyOf("middle_block")));
        middleBlock.add("0", key -> new ResBlock(key, deepest, deepest, emb, groups));
        middleBlock.add("1", attention.apply(deepest));
        middleBlock.add("2", key -> new ResBlock(key, deepest, deepest, emb, groups));

        for (int level = mult.length - 1; level >= 0; level--) {
            int out = mc * mult[level];
            for (int i = 0; i <= Sd15Layout.RES_BLOCKS; i++) {
                String segment = "output_blocks." + outputBlocks.size();
                Stage stage = child(segment, new Stage(keyOf(segment)));
                outputBlocks.add(stage);
                int in = ch + skipWidths.remove(skipWidths.size() - 1);
                stage.add("0", key -> new ResBlock(key, in, out, emb, groups));
                ch = out;
                int index = 1;
                if (Sd15Layout.UNET_ATTENTION[level]) {
                    stage.add("1", attention.apply(ch));
                    index = 2;
                }
                if (level > 0 && i == Sd15Layout.RES_BLOCKS) {
                    stage.add(String.valueOf(index), key -> new Upsample(key, out));
                }
            }
        }
        outNorm = child("out.0", new GroupNorm(keyOf("out.0"), groups, mc, ResBlock.NORM_EPSILON));
        outConv = child("out.2", new Conv2d(keyOf("out.2"), mc, Sd15Widths.LATENT_CHANNELS, 3));
    }

    private Stage inputBlock() {
        String segment = "input_blocks." + inputBlocks.size();
        Stage stage = child(segment, new Stage(keyOf(segment)));
        inputBlocks.add(stage);
        return stage;
    }

    public Sd15Widths widths() {
        return widths;
    }

    /** The output shape of each input block for an input of {@code input}'s shape: what ControlNet residuals must have. */
    public List<Shape> skipShapes(Shape input) {
        List<Shape> shapes = new ArrayList<>();
        Shape shape = input;
        for (Stage stage : inputBlocks) {
            shape = stage.getOutputShapes(new Shape[] {shape})[0];
            shapes.add(shape);
        }
        return shapes;
    }

    /**
     * The noise this network sees in {@code x}. Intermediates are freed as the pass goes; only
     * the result stays, in {@code x}'s manager.
     *
     * @param x (B, 4 or 9, H, W) latents (with mask and masked-picture latents for inpainting),
     *     H and W multiples of 8, in the weights' type
     * @param timesteps (B) training steps, may be fractional
     * @param context (B, tokens, text width) the text encoder's hidden states, in the weights' type
     * @param control a ControlNet's residuals, or null
     * @return (B, 4, H, W)
     */
    public NDArray predictNoise(NDArray x, NDArray timesteps, NDArray context, ControlResiduals control) {
        if (control != null && control.inputs().size() != inputBlocks.size()) {
            throw new IllegalArgumentException(control.inputs().size() + " control residuals for " + inputBlocks.size()
                    + " input blocks");
        }
        return Scoped.compute(() -> {
            NDArray emb = timeOut.apply(Scoped.silu(timeIn.apply(
                    timestepEmbedding(timesteps, widths.modelChannels()).toType(x.getDataType(), false))));
            List<NDArray> skips = new ArrayList<>();
            NDArray h = x;
            for (Stage stage : inputBlocks) {
                h = stage.apply(h, emb, context);
                skips.add(h);
            }
            h = middleBlock.apply(h, emb, context);
            if (control != null) {
                h = h.addi(control.middle());
            }
            for (Stage stage : outputBlocks) {
                NDArray skip = skips.remove(skips.size() - 1);
                if (control != null) {
                    skip = skip.addi(control.inputs().get(skips.size()));
                }
                NDArray joined = NDArrays.concat(new NDList(h, skip), 1);
                h.close(); // the skip's last use: freeing it now keeps memory to what PyTorch holds
                skip.close();
                h = stage.apply(joined, emb, context);
                joined.close();
            }
            return outConv.apply(Scoped.silu(outNorm.apply(h)));
        });
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

    @Override
    public NDArray apply(NDArray x) {
        throw new UnsupportedOperationException("the UNet needs timesteps and a context: call predictNoise");
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(predictNoise(inputs.get(0), inputs.get(1), inputs.get(2), null));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape s = inputs[0];
        return new Shape[] {new Shape(s.get(0), Sd15Widths.LATENT_CHANNELS, s.get(2), s.get(3))};
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
