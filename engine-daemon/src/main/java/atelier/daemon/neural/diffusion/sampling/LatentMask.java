package atelier.daemon.neural.diffusion.sampling;

/**
 * Where the sampler may change the latents: one weight per latent position, 1 = edit,
 * 0 = keep the picture, soft in between (a feathered selection brought to latent size).
 */
public record LatentMask(int height, int width, float[] weights) {

    public LatentMask {
        if (weights.length != (long) height * width) {
            throw new IllegalArgumentException(weights.length + " weights for a " + width + "x" + height + " latent mask");
        }
        for (float w : weights) {
            if (!(w >= 0 && w <= 1)) {
                throw new IllegalArgumentException("latent mask weights lie in 0..1, got " + w);
            }
        }
        weights = weights.clone();
    }

    @Override
    public float[] weights() {
        return weights.clone();
    }

    void requireFits(LatentShape shape) {
        if (shape.height() != height || shape.width() != width) {
            throw new IllegalArgumentException("a " + width + "x" + height + " latent mask on latents of " + shape);
        }
    }
}
