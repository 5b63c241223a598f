package atelier.daemon.neural.diffusion.sampling;

/**
 * Where a run's random numbers come from. The daemon always uses a seed's
 * {@link GaussianNoise} stream; a check against another implementation hands in the very
 * noise that implementation drew, so the two runs can be compared value for value.
 */
@FunctionalInterface
public interface NoiseSource {

    /** Standard normal noise of the same kind and shape as {@code template}, whose values are not read. */
    Latents like(Latents template);
}
