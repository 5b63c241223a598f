package atelier.daemon.neural.diffusion.sampling;

/**
 * The few operations a scheduler needs on latents: scaling and weighted sums. Kept this
 * small so the sampling loop runs the same on plain float arrays (tests, previews) and,
 * later, on tensors on a GPU, where each operation is one fused kernel call. Every
 * operation returns new latents and leaves its operands as they were.
 */
public interface Latents {

    LatentShape shape();

    /** {@code a * this}. */
    Latents scaled(double a);

    /** {@code a * this + b * other}; the axpy of BLAS with both sides weighted. */
    Latents combined(double a, Latents other, double b);

    /**
     * These latents where {@code editable} is 1, {@code elsewhere} where it is 0, mixed in
     * between: {@code w * this + (1 - w) * elsewhere} with w broadcast over the channels.
     */
    Latents masked(LatentMask editable, Latents elsewhere);

    /** {@code this + b * other}. */
    default Latents plus(Latents other, double b) {
        return combined(1, other, b);
    }

    /**
     * Latents of the same kind and shape holding these values (planes of rows, as
     * {@link #toFloats} gives them): how seeded noise, made on the CPU, gets to where
     * the latents live.
     */
    Latents withValues(float[] values);

    /** A copy of the values, channel planes one after another, each row by row. */
    float[] toFloats();
}
