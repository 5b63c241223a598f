package atelier.daemon.neural.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import atelier.daemon.neural.diffusion.net.ControlResiduals;
import atelier.daemon.neural.diffusion.net.UNet;

/**
 * The SD 1.5 UNet as the {@link Sampler} calls it: {@link TensorLatents} in, predicted noise out,
 * conditioned on the text encoder's hidden states (1, 77, 768), optionally steered by a
 * ControlNet ({@link #withControl}). Each call runs in its own manager that is closed before it
 * returns, so only the prediction outlives the step and a cancelled job holds no activations.
 * One predictor serves one sampling run: it notes the Sampler's step for the ControlNet's window.
 */
public final class UNetNoisePredictor implements EpsilonModel<NDArray> {

    private final UNet unet;
    private final DataType computeType;
    private final NDArray inpaintChannels;
    private final ControlGuide control;
    /** The control picture through the ControlNet's hint encoder, once for the run; null without control. */
    private final NDArray encodedHint;
    private boolean controlActs = true;

    /** A text-to-image UNet (4 input channels) computing in {@code computeType}, the type its weights were loaded in. */
    public UNetNoisePredictor(UNet unet, DataType computeType) {
        this(unet, computeType, null);
    }

    /**
     * @param inpaintChannels for the 9-channel inpainting UNet, the mask and the masked picture's
     *     latents (1, 5, H, W) put after the 4 latent channels at every step; null for 4 channels
     */
    public UNetNoisePredictor(UNet unet, DataType computeType, NDArray inpaintChannels) {
        this(unet, computeType, inpaintChannels, null);
    }

    private UNetNoisePredictor(UNet unet, DataType computeType, NDArray inpaintChannels, ControlGuide control) {
        int extra = inpaintChannels == null ? 0 : (int) inpaintChannels.getShape().get(1);
        if (Sd15Widths.LATENT_CHANNELS + extra != unet.widths().unetInChannels()) {
            throw new IllegalArgumentException("this UNet takes " + unet.widths().unetInChannels() + " input channels, not "
                    + Sd15Widths.LATENT_CHANNELS + " latent and " + extra + " inpainting channels");
        }
        if (control != null && control.network().widths().modelChannels() != unet.widths().modelChannels()) {
            throw new IllegalArgumentException("a ControlNet " + control.network().widths().modelChannels()
                    + " channels wide for a UNet " + unet.widths().modelChannels() + " wide");
        }
        this.unet = unet;
        this.computeType = computeType;
        this.inpaintChannels = inpaintChannels;
        this.control = control;
        // The hint encoder sees only the picture, so one pass serves every step; the result lives with the picture.
        this.encodedHint = control == null || control.strength() == 0 ? null
                : control.network().encodeHint(control.picture().toType(computeType, false));
    }

    /**
     * This UNet steered by a ControlNet: each step it acts in, the ControlNet runs on the same
     * latents, timestep and text as the UNet (both guidance branches see the same picture) and
     * its residuals, times the strength, are added to the UNet's skips and middle block.
     */
    public UNetNoisePredictor withControl(ControlGuide guide) {
        return new UNetNoisePredictor(unet, computeType, inpaintChannels, guide);
    }

    @Override
    public void beginStep(int step, int steps) {
        controlActs = control != null && control.actsAt(step, steps);
    }

    @Override
    public Latents predictNoise(Latents input, double timestep, NDArray context) {
        if (!(input instanceof TensorLatents latents)) {
            throw new IllegalArgumentException("the UNet runs on TensorLatents, not " + input.getClass().getSimpleName());
        }
        NDManager owner = latents.array().getManager();
        try (NDManager step = owner.newSubManager()) {
            NDArray x = latents.array().toType(computeType, true);
            x.attach(step);
            NDArray t = step.create(new float[] {(float) timestep});
            NDArray text = as(context, step);
            ControlResiduals residuals = encodedHint != null && controlActs
                    ? control.network().residuals(x, encodedHint, t, text, (float) control.strength()) : null;
            if (inpaintChannels != null) {
                x = NDArrays.concat(new NDList(x, as(inpaintChannels, step)), 1);
            }
            NDArray noise = unet.predictNoise(x, t, text, residuals).toType(DataType.FLOAT32, false);
            noise.attach(owner);
            return TensorLatents.of(noise);
        }
    }

    /**
     * Both guidance branches in one UNet pass of batch 2 (and one ControlNet pass): the weights
     * are read once for two predictions, which is where a CPU spends its time, for twice the
     * activations (sliced attention keeps those bounded).
     */
    @Override
    public java.util.List<Latents> predictNoisePair(Latents input, double timestep, NDArray first, NDArray second) {
        if (!(input instanceof TensorLatents latents)) {
            throw new IllegalArgumentException("the UNet runs on TensorLatents, not " + input.getClass().getSimpleName());
        }
        NDManager owner = latents.array().getManager();
        try (NDManager step = owner.newSubManager()) {
            NDArray one = latents.array().toType(computeType, true);
            one.attach(step);
            NDArray x = NDArrays.concat(new NDList(one, one), 0);
            NDArray t = step.create(new float[] {(float) timestep, (float) timestep});
            NDArray text = NDArrays.concat(new NDList(as(first, step), as(second, step)), 0);
            ControlResiduals residuals = null;
            if (encodedHint != null && controlActs) {
                NDArray hints = NDArrays.concat(new NDList(encodedHint, encodedHint), 0);
                residuals = control.network().residuals(x, hints, t, text, (float) control.strength());
            }
            if (inpaintChannels != null) {
                NDArray extra = as(inpaintChannels, step);
                x = NDArrays.concat(new NDList(x, NDArrays.concat(new NDList(extra, extra), 0)), 1);
            }
            NDList noise = unet.predictNoise(x, t, text, residuals).toType(DataType.FLOAT32, false).split(2, 0);
            java.util.List<Latents> pair = new java.util.ArrayList<>();
            for (NDArray half : noise) {
                NDArray kept = half.duplicate();
                kept.attach(owner);
                pair.add(TensorLatents.of(kept));
            }
            return pair;
        }
    }

    /** {@code array} in the compute type; a converted copy belongs to the step. */
    private NDArray as(NDArray array, NDManager step) {
        if (array.getDataType() == computeType) {
            return array;
        }
        NDArray converted = array.toType(computeType, false);
        converted.attach(step);
        return converted;
    }
}
