package atelier.daemon.neural.diffusion.sampling;

import java.util.Arrays;

/** Latents in a plain float array: the reference implementation, for tests and previews. */
public final class FloatLatents implements Latents {

    private final LatentShape shape;
    private final float[] values;

    private FloatLatents(LatentShape shape, float[] values) {
        this.shape = shape;
        this.values = values;
    }

    /** Copies the values, planes of rows. */
    public static FloatLatents of(LatentShape shape, float[] values) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(values.length + " values for latents of " + shape);
        }
        return new FloatLatents(shape, values.clone());
    }

    public static FloatLatents zeros(LatentShape shape) {
        return new FloatLatents(shape, new float[shape.size()]);
    }

    @Override
    public LatentShape shape() {
        return shape;
    }

    @Override
    public Latents scaled(double a) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (a * values[i]);
        }
        return new FloatLatents(shape, out);
    }

    @Override
    public Latents combined(double a, Latents other, double b) {
        float[] theirs = floatsOf(other);
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (a * values[i] + b * theirs[i]);
        }
        return new FloatLatents(shape, out);
    }

    @Override
    public Latents masked(LatentMask editable, Latents elsewhere) {
        editable.requireFits(shape);
        float[] theirs = floatsOf(elsewhere);
        float[] w = editable.weights();
        float[] out = new float[values.length];
        int plane = shape.height() * shape.width();
        for (int i = 0; i < out.length; i++) {
            float weight = w[i % plane];
            out[i] = weight * values[i] + (1 - weight) * theirs[i];
        }
        return new FloatLatents(shape, out);
    }

    @Override
    public Latents withValues(float[] newValues) {
        return of(shape, newValues);
    }

    @Override
    public float[] toFloats() {
        return values.clone();
    }

    /** One value: channel c, row y, column x. */
    public float get(int c, int y, int x) {
        return values[(c * shape.height() + y) * shape.width() + x];
    }

    private float[] floatsOf(Latents other) {
        if (!other.shape().equals(shape)) {
            throw new IllegalArgumentException("latents of " + other.shape() + " combined with " + shape);
        }
        // Our own kind is read in place; another kind is copied once.
        return other instanceof FloatLatents mine ? mine.values : other.toFloats();
    }

    @Override
    public String toString() {
        return "FloatLatents" + shape + Arrays.toString(Arrays.copyOf(values, Math.min(values.length, 8)));
    }
}
