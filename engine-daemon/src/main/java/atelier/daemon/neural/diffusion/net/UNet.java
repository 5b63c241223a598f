package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.util.ArrayList;
import java.util.List;

/**
 * SD 1.5's denoising UNet, ldm.modules.diffusionmodules.openaimodel.UNetModel with the
 * v1-inference.yaml settings (channel_mult 1, 2, 4, 4; two ResBlocks a level; a
 * SpatialTransformer after each at downsampling 1, 2 and 4; legacy False, so heads split each
 * level's width), every size from {@link Sd15Widths}. The blocks stand at the checkpoint's keys
 * (model.diffusion_model.input_blocks.1.1.proj_in ...), so {@link CheckpointWeights#load} fills
 * it from a single-file checkpoint; 4 input channels, or 9 for the inpainting variant. Time
 * embedding, input and middle blocks come from {@link UNetEncoder}, which ControlNet shares.
 */
public final class UNet extends UNetEncoder {

    private final List<Stage> outputBlocks = new ArrayList<>();
    private final GroupNorm outNorm;
    private final Conv2d outConv;

    /** SD 1.5's UNet at the checkpoint's keys, attention sliced at {@link Attention#DEFAULT_SLICE} query rows. */
    public UNet(Sd15Widths widths) {
        this(widths, Attention.DEFAULT_SLICE);
    }

    /** @param sliceQueries most attention query rows at once: less memory for smaller slices, the same result */
    public UNet(Sd15Widths widths, int sliceQueries) {
        super(Sd15Layout.UNET.substring(0, Sd15Layout.UNET.length() - 1), widths, widths.unetInChannels(), sliceQueries);
        int mc = widths.modelChannels();
        int emb = widths.timeEmbedding();
        int groups = widths.normGroups();
        List<Integer> skips = new ArrayList<>(skipWidths);
        int ch = deepestWidth();
        int[] mult = Sd15Layout.CHANNEL_MULT;
        for (int level = mult.length - 1; level >= 0; level--) {
            int out = mc * mult[level];
            for (int i = 0; i <= Sd15Layout.RES_BLOCKS; i++) {
                String segment = "output_blocks." + outputBlocks.size();
                Stage stage = child(segment, new Stage(keyOf(segment)));
                outputBlocks.add(stage);
                int in = ch + skips.remove(skips.size() - 1);
                stage.add("0", key -> new ResBlock(key, in, out, emb, groups));
                ch = out;
                int index = 1;
                if (Sd15Layout.UNET_ATTENTION[level]) {
                    stage.add("1", attention(ch));
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
            NDArray emb = embedTime(timesteps, x.getDataType());
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
}
