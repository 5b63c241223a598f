package atelier.daemon.neural.diffusion.sampling;

import java.util.SplittableRandom;

/**
 * Standard normal noise from a seed, the same on every machine: {@link SplittableRandom}
 * is a specified algorithm, and the Box-Muller transform uses {@link StrictMath}, whose
 * results are fixed bit for bit (plain {@code Math.log} and {@code Math.cos} may differ in
 * the last bit between CPUs and JIT intrinsics). So a seed a painter writes down gives the
 * same picture again, here or on another computer.
 *
 * <p>One instance is one stream: the starting latents come first, then the noise that
 * ancestral and consistency schedulers add at each step, so a run is fixed by its seed.
 */
public final class GaussianNoise implements NoiseSource {

    private static final double TWO_PI = 2 * Math.PI;

    private final SplittableRandom random;
    private double spare;
    private boolean hasSpare;

    public GaussianNoise(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** The next value of the stream. */
    public double next() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        // 1 - u keeps the logarithm's argument in (0, 1]: nextDouble() may return 0, never 1.
        double radius = StrictMath.sqrt(-2 * StrictMath.log(1 - random.nextDouble()));
        double angle = TWO_PI * random.nextDouble();
        spare = radius * StrictMath.sin(angle);
        hasSpare = true;
        return radius * StrictMath.cos(angle);
    }

    /** The next {@code count} values. */
    public float[] next(int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = (float) next();
        }
        return out;
    }

    /** Noise of the same kind and shape as {@code template}, whose values are not read. */
    @Override
    public Latents like(Latents template) {
        return template.withValues(next(template.shape().size()));
    }
}
