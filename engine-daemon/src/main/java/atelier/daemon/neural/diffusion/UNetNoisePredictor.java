package atelier.daemon.neural.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import atelier.daemon.neural.diffusion.net.UNet;

/**
 * The SD 1.5 UNet as the {@link Sampler} calls it: {@link TensorLatents} in, predicted noise out,
 * conditioned on the text encoder's hidden states (1, 77, 768). Each call runs in its own
 * manager that is closed before it returns, so only the prediction outlives the step and a
 * cancelled job holds no activations.
 */
public final class UNetNoisePredictor implements EpsilonModel<NDArray> {

    private final UNet unet;
    private final DataType computeType;
    private final NDArray inpaintChannels;

    /** A text-to-image UNet (4 input channels) computing in {@code computeType}, the type its weights were loaded in. */
    public UNetNoisePredictor(UNet unet, DataType computeType) {
        this(unet, computeType, null);
    }

    /**
     * @param inpaintChannels for the 9-channel inpainting UNet, the mask and the masked picture's
     *     latents (1, 5, H, W) put after the 4 latent channels at every step; null for 4 channels
     */
    public UNetNoisePredictor(UNet unet, DataType computeType, NDArray inpaintChannels) {
        int extra = inpaintChannels == null ? 0 : (int) inpaintChannels.getShape().get(1);
        if (Sd15Widths.LATENT_CHANNELS + extra != unet.widths().unetInChannels()) {
            throw new IllegalArgumentException("this UNet takes " + unet.widths().unetInChannels() + " input channels, not "
                    + Sd15Widths.LATENT_CHANNELS + " latent and " + extra + " inpainting channels");
        }
        this.unet = unet;
        this.computeType = computeType;
        this.inpaintChannels = inpaintChannels;
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
            if (inpaintChannels != null) {
                x = NDArrays.concat(new NDList(x, as(inpaintChannels, step)), 1);
            }
            NDArray t = step.create(new float[] {(float) timestep});
            NDArray noise = unet.predictNoise(x, t, as(context, step), null).toType(DataType.FLOAT32, false);
            noise.attach(owner);
            return TensorLatents.of(noise);
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
