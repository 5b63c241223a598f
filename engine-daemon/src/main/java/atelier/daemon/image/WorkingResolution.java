package atelier.daemon.image;

/**
 * The one policy for where and at what size a diffusion model works on a selection: the
 * context region around it (padding, at least the model's native side where the canvas
 * allows), and the working size that region is scaled to: about the model's native pixel
 * count, each side a multiple of what the model's downsampling needs. Small regions are
 * scaled up (SD 1.5 draws poorly below its native size), large ones down.
 *
 * @param nativeSide the side of the square the model was trained on (512 for SD 1.5)
 * @param multiple   width and height of the working size are multiples of this (64 for SD 1.5:
 *                   8 for the VAE times 8 for the UNet's three downsamplings)
 * @param context    the padding around the selection
 */
public record WorkingResolution(int nativeSide, int multiple, ContextRegion context) {

    /** SD 1.5: 512 x 512 native, sides multiple of 64, a quarter of the selection (at least 32 px) of context. */
    public static final WorkingResolution SD15 = new WorkingResolution(512, 64, new ContextRegion(32, 0.25, 8));

    public WorkingResolution {
        if (nativeSide < multiple || multiple < 1) {
            throw new IllegalArgumentException("native side " + nativeSide + " and multiple " + multiple);
        }
    }

    /** The part of the canvas the model sees for a selection. */
    public Bounds regionAround(Bounds selection, Extent canvas) {
        return context.around(selection, canvas).atLeast(nativeSide, canvas);
    }

    /** The size the model works at for a region: its aspect kept, about nativeSide^2 pixels, sides multiples of {@link #multiple}. */
    public Extent workingSize(Extent region) {
        double scale = Math.sqrt((double) nativeSide * nativeSide / region.pixels());
        return new Extent(snap(region.width() * scale), snap(region.height() * scale));
    }

    private int snap(double side) {
        return Math.max(multiple, (int) Math.round(side / multiple) * multiple);
    }
}
