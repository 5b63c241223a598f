package atelier.daemon.neural.diffusion.checkpoint;

import java.util.Arrays;
import java.util.List;

/**
 * One tensor as a safetensors header describes it: name, element type, shape, and where its
 * bytes lie, counted from the start of the data section (after the header) as the format does.
 */
public final class TensorInfo {

    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final long begin;
    private final long end;

    TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.begin = begin;
        this.end = end;
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    /** The shape, outermost dimension first; empty for a scalar (a LoRA's alpha). */
    public long[] shape() {
        return shape.clone();
    }

    /** The shape as a list, which compares and prints as "[320, 4, 3, 3]". */
    public List<Long> shapeList() {
        return Arrays.stream(shape).boxed().toList();
    }

    public int rank() {
        return shape.length;
    }

    /** The size of one dimension. */
    public long dim(int axis) {
        return shape[axis];
    }

    /** Number of elements: the product of the shape, 1 for a scalar. */
    public long elements() {
        long product = 1;
        for (long d : shape) {
            product = Math.multiplyExact(product, d);
        }
        return product;
    }

    /** First byte, counted from the start of the data section. */
    public long begin() {
        return begin;
    }

    /** One past the last byte, counted from the start of the data section. */
    public long end() {
        return end;
    }

    public long byteSize() {
        return end - begin;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + shapeList();
    }
}
