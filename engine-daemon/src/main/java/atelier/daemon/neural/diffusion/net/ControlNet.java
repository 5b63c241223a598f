package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointInspector;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointMismatchException;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.util.ArrayList;
import java.util.List;

/**
 * An SD 1.5 ControlNet, lllyasviel's cldm.ControlNet (cldm_v15.yaml): a trainable copy of the
 * UNet's encoder half ({@link UNetEncoder}) that also sees a picture (line art, edges ...)
 * through a small conv encoder, and hands the UNet one residual per input block and one for
 * the middle block, each through a 1x1 conv ("zero conv": zero at the start of training).
 * Blocks stand at the file's keys (control_model.input_blocks.1.1.proj_in ...).
 */
public final class ControlNet extends UNetEncoder {

    private final List<Conv2d> hintConvs = new ArrayList<>();
    private final List<Conv2d> zeroConvs = new ArrayList<>();
    private final Conv2d middleOut;

    /**
     * A ControlNet for a UNet of {@code unetWidths} (its input is always the 4 latent channels).
     *
     * @param prefix the keys' prefix: {@link Sd15Layout#CONTROL} or "" (see {@link CheckpointInspector#controlNetPrefix})
     */
    public ControlNet(Sd15Widths unetWidths, String prefix, int sliceQueries) {
        super(prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix,
                unetWidths.withUnetInChannels(Sd15Widths.LATENT_CHANNELS), Sd15Widths.LATENT_CHANNELS, sliceQueries);
        int[] hint = Sd15Layout.HINT_WIDTHS;
        for (int i = 0; i <= hint.length; i++) {
            int in = i == 0 ? Sd15Layout.IMAGE_CHANNELS : hint[i - 1];
            int out = i == hint.length ? widths.modelChannels() : hint[i];
            // Convs 2, 4 and 6 halve the picture: three halvings bring it to the latent's size.
            int stride = i == 2 || i == 4 || i == 6 ? 2 : 1;
            String segment = "input_hint_block." + 2 * i; // the odd indices are cldm's SiLUs
            hintConvs.add(child(segment, new Conv2d(keyOf(segment), in, out, 3, stride, 1)));
        }
        for (int i = 0; i < skipWidths.size(); i++) {
            String segment = "zero_convs." + i + ".0";
            zeroConvs.add(child(segment, new Conv2d(keyOf(segment), skipWidths.get(i), skipWidths.get(i), 1)));
        }
        middleOut = child("middle_block_out.0", new Conv2d(keyOf("middle_block_out.0"), deepestWidth(), deepestWidth(), 1));
    }

    public ControlNet(Sd15Widths unetWidths) {
        this(unetWidths, Sd15Layout.CONTROL, Attention.DEFAULT_SLICE);
    }

    /**
     * The ControlNet in {@code file} (keys with or without the control_model. prefix) for a UNet
     * of {@code unetWidths}, its weights in {@code manager}.
     *
     * @throws CheckpointMismatchException naming the first key that is missing or of another
     *     shape, e.g. a ControlNet made for another UNet width
     */
    public static ControlNet load(Safetensors file, Sd15Widths unetWidths, NDManager manager, TorchRuntime runtime)
            throws CheckpointMismatchException {
        String prefix = CheckpointInspector.controlNetPrefix(file.header()).orElse(Sd15Layout.CONTROL);
        ControlNet net = new ControlNet(unetWidths, prefix, Attention.DEFAULT_SLICE);
        CheckpointWeights.load(net, file, manager, runtime.device(), runtime.computeType());
        return net;
    }

    /**
     * The hint encoder's output (input_hint_block): the picture brought to the latent's size and
     * the model's width. It depends on the picture alone, so a sampling run computes it once.
     *
     * @param hint (B, 3, 8 H, 8 W) the control picture in 0..1, in the weights' type
     * @return (B, model channels, H, W)
     */
    public NDArray encodeHint(NDArray hint) {
        Shape s = hint.getShape();
        if (s.dimension() != 4 || s.get(1) != Sd15Layout.IMAGE_CHANNELS || s.get(2) % 8 != 0 || s.get(3) % 8 != 0) {
            throw new IllegalArgumentException("the control picture must be (B, 3, H, W) with H and W multiples of 8, not " + s);
        }
        return Scoped.compute(() -> {
            NDArray h = hint;
            for (int i = 0; i < hintConvs.size(); i++) {
                NDArray next = hintConvs.get(i).apply(h);
                if (h != hint) {
                    h.close();
                }
                h = i < hintConvs.size() - 1 ? Scoped.silu(next) : next;
            }
            return h;
        });
    }

    /**
     * cldm.ControlNet.forward, each residual times {@code strength}: the input blocks run on the
     * latents, the encoded hint added after the first, a zero conv on each block's output, and
     * on the middle block's. Only the 13 residuals stay, in the caller's scope.
     *
     * @param x (B, 4, H, W) latents, in the weights' type
     * @param encodedHint {@link #encodeHint}'s output for the picture, (B or 1, C, H, W)
     * @param timesteps (B) training steps
     * @param context (B, tokens, text width)
     * @param strength how much of the control the UNet gets: 1 as trained, 0 none
     */
    public ControlResiduals residuals(NDArray x, NDArray encodedHint, NDArray timesteps, NDArray context, float strength) {
        Shape latent = x.getShape();
        Shape hint = encodedHint.getShape();
        if (hint.get(2) != latent.get(2) || hint.get(3) != latent.get(3)) {
            throw new IllegalArgumentException("a control picture of " + hint.get(2) * 8 + "x" + hint.get(3) * 8
                    + " for latents of " + latent.get(2) + "x" + latent.get(3) + ": it must be 8 times their size");
        }
        List<NDArray> inputs = new ArrayList<>();
        NDArray middle;
        try (NDScope scope = new NDScope()) {
            NDArray emb = embedTime(timesteps, x.getDataType());
            NDArray h = x;
            for (int i = 0; i < inputBlocks.size(); i++) {
                NDArray next = inputBlocks.get(i).apply(h, emb, context);
                if (i == 0) {
                    next = next.addi(encodedHint);
                } else {
                    h.close();
                }
                h = next;
                inputs.add(scaled(zeroConvs.get(i).apply(h), strength));
            }
            middle = scaled(middleOut.apply(middleBlock.apply(h, emb, context)), strength);
            inputs.forEach(NDScope::unregister);
            NDScope.unregister(middle);
        }
        inputs.forEach(NDScope::register);
        NDScope.register(middle);
        return new ControlResiduals(inputs, middle);
    }

    /** cldm.ControlNet.forward(x, hint, timesteps, context) times strength: {@link #encodeHint} then {@link #residuals}. */
    public ControlResiduals forward(NDArray x, NDArray hint, NDArray timesteps, NDArray context, float strength) {
        try (NDArray encoded = encodeHint(hint)) {
            return residuals(x, encoded, timesteps, context, strength);
        }
    }

    private static NDArray scaled(NDArray residual, float strength) {
        return strength == 1 ? residual : residual.muli(strength);
    }

    @Override
    public NDArray apply(NDArray x) {
        throw new UnsupportedOperationException("a ControlNet needs a hint, timesteps and a context: call residuals");
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        ControlResiduals r = forward(inputs.get(0), inputs.get(1), inputs.get(2), inputs.get(3), 1);
        NDList out = new NDList(r.inputs().toArray(NDArray[]::new));
        out.add(r.middle());
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        List<Shape> shapes = skipShapes(inputs[0]);
        shapes.add(shapes.get(shapes.size() - 1));
        return shapes.toArray(Shape[]::new);
    }
}
