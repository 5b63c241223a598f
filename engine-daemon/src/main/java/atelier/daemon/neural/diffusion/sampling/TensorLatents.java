package atelier.daemon.neural.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Latents in a (1, C, H, W) float32 tensor, on whatever device the networks run: each
 * operation is one or two fused libtorch calls there, and the values never visit the Java heap
 * during sampling. They stay float32 on a GPU too, where the UNet computes in fp16: the
 * schedulers' sums of large and small terms need the precision, and the latents are small.
 * New latents live in the same manager as these, which the job closes.
 */
public final class TensorLatents implements Latents {

    private final LatentShape shape;
    private final NDArray values;

    private TensorLatents(NDArray values) {
        Shape s = values.getShape();
        if (s.dimension() != 4 || s.get(0) != 1) {
            throw new IllegalArgumentException("latents are one (1, C, H, W) picture, not " + s);
        }
        this.shape = new LatentShape((int) s.get(1), (int) s.get(2), (int) s.get(3));
        this.values = values.getDataType() == DataType.FLOAT32 ? values : values.toType(DataType.FLOAT32, false);
    }

    /** Latents holding {@code values} (1, C, H, W), converted to float32 if they are not. */
    public static TensorLatents of(NDArray values) {
        return new TensorLatents(values);
    }

    /** Zeros of this shape in {@code manager}, on its device. */
    public static TensorLatents zeros(NDManager manager, LatentShape shape) {
        return new TensorLatents(manager.zeros(new Shape(1, shape.channels(), shape.height(), shape.width()), DataType.FLOAT32));
    }

    /** The (1, C, H, W) float32 tensor; it belongs to these latents' manager. */
    public NDArray array() {
        return values;
    }

    @Override
    public LatentShape shape() {
        return shape;
    }

    @Override
    public Latents scaled(double a) {
        return new TensorLatents(values.mul((float) a));
    }

    @Override
    public Latents combined(double a, Latents other, double b) {
        if (!other.shape().equals(shape)) {
            throw new IllegalArgumentException("latents of " + other.shape() + " combined with " + shape);
        }
        NDArray theirs = other instanceof TensorLatents tensor ? tensor.values : ((TensorLatents) withValues(other.toFloats())).values;
        try (NDArray weighted = theirs.mul((float) b)) {
            return new TensorLatents(values.mul((float) a).addi(weighted));
        }
    }

    @Override
    public Latents masked(LatentMask editable, Latents elsewhere) {
        editable.requireFits(shape);
        NDArray theirs = elsewhere instanceof TensorLatents tensor ? tensor.values
                : ((TensorLatents) withValues(elsewhere.toFloats())).values;
        // w * this + (1 - w) * elsewhere = elsewhere + w * (this - elsewhere), w broadcast over channels.
        try (NDArray w = values.getManager().create(editable.weights(), new Shape(1, 1, shape.height(), shape.width()))
                .toDevice(values.getDevice(), false); NDArray difference = values.sub(theirs)) {
            return new TensorLatents(theirs.add(difference.muli(w)));
        }
    }

    @Override
    public Latents withValues(float[] newValues) {
        if (newValues.length != shape.size()) {
            throw new IllegalArgumentException(newValues.length + " values for latents of " + shape);
        }
        return new TensorLatents(values.getManager().create(newValues, values.getShape()));
    }

    @Override
    public float[] toFloats() {
        return values.toFloatArray();
    }

    @Override
    public String toString() {
        return "TensorLatents" + shape + " on " + values.getDevice();
    }
}
