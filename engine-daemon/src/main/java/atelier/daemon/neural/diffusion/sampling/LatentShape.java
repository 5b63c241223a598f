package atelier.daemon.neural.diffusion.sampling;

/** The size of one latent picture: channels planes of height x width (SD 1.5: 4 x H/8 x W/8). */
public record LatentShape(int channels, int height, int width) {

    public LatentShape {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("latent shape " + channels + "x" + height + "x" + width);
        }
    }

    /** How many values one latent picture holds. */
    public int size() {
        return Math.multiplyExact(channels, Math.multiplyExact(height, width));
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
