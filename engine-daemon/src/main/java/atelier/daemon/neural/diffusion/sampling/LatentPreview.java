package atelier.daemon.neural.diffusion.sampling;

import atelier.daemon.image.Extent;
import atelier.daemon.image.Raster;

/**
 * A rough colour picture of SD 1.5 latents, one pixel per latent position, without the VAE:
 * each pixel's RGB is a fixed linear mix of its 4 latent channels. Costs nothing next to a
 * network call, so a painter can watch the picture form while it samples.
 */
public final class LatentPreview {

    /**
     * Rows: latent channels 0..3; columns: their weight in R, G, B (in -1..1). The widely
     * used SD 1.5 approximation fitted by Keturn ("Decoding latents to RGB without
     * upscaling", discuss.huggingface.co, 2022), as ComfyUI's {@code latent_formats.SD15}
     * carries it. It applies to the latents the UNet works on (VAE output times 0.18215).
     */
    static final double[][] SD15_LATENT_RGB = {
        {0.3512, 0.2297, 0.3227},
        {0.3250, 0.4974, 0.2350},
        {-0.2829, 0.1762, 0.2721},
        {-0.2120, -0.2616, -0.7177},
    };

    private LatentPreview() {
    }

    /** Opaque RGBA pixels, latent width x height, mapping -1..1 to 0..255 and clamping beyond. */
    public static Raster toRgb(Latents latents) {
        LatentShape shape = latents.shape();
        if (shape.channels() != SD15_LATENT_RGB.length) {
            throw new IllegalArgumentException("the SD 1.5 preview needs 4 latent channels, got " + shape);
        }
        float[] values = latents.toFloats();
        int plane = shape.height() * shape.width();
        byte[] rgba = new byte[plane * 4];
        for (int p = 0; p < plane; p++) {
            for (int colour = 0; colour < 3; colour++) {
                double v = 0;
                for (int c = 0; c < SD15_LATENT_RGB.length; c++) {
                    v += values[c * plane + p] * SD15_LATENT_RGB[c][colour];
                }
                rgba[p * 4 + colour] = (byte) toByte(v);
            }
            rgba[p * 4 + 3] = (byte) 255;
        }
        return Raster.wrap(new Extent(shape.width(), shape.height()), rgba);
    }

    private static int toByte(double v) {
        double unit = Math.max(0, Math.min(1, (v + 1) / 2));
        return (int) Math.round(unit * 255);
    }
}
