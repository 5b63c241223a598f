package atelier.daemon.neural.diffusion.net;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointMismatchException;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Loads a network's weights from a safetensors file by walking its blocks: each parameter's
 * name is its checkpoint key. The tensor's bytes go from the memory-mapped file straight into
 * libtorch (one copy, no Java heap array), in the file's type (F32, F16, BF16), and are then
 * converted on the device to the type the network computes in.
 */
public final class CheckpointWeights {

    private CheckpointWeights() {
    }

    /**
     * Sets every parameter of {@code network} from {@code file}.
     *
     * @param manager owns the weights; closing it frees them
     * @param computeType FLOAT32 on the CPU, FLOAT16 on a GPU
     * @throws CheckpointMismatchException naming the first key that is missing, of the wrong shape or of a
     *     type that is not a float; nothing is half-loaded (arrays made so far are closed)
     */
    public static void load(Block network, Safetensors file, NDManager manager, Device device, DataType computeType)
            throws CheckpointMismatchException {
        java.util.List<Pair<Parameter, Shape>> slots = slots(network);
        // Arrays stay in a loading manager until every key has been read, so a bad key frees them all.
        try (NDManager loading = manager.newSubManager(device)) {
            NDArray[] arrays = new NDArray[slots.size()];
            for (int i = 0; i < arrays.length; i++) {
                arrays[i] = read(file, slots.get(i).getKey().getName(), slots.get(i).getValue(), loading, computeType);
            }
            for (int i = 0; i < arrays.length; i++) {
                arrays[i].attach(manager);
                slots.get(i).getKey().setArray(arrays[i]);
            }
        }
    }

    /**
     * Sets every parameter of {@code network} to random values scaled like a freshly initialised
     * network (matrices 1/sqrt(fan-in), norm scales near 1, biases near 0), with no file: what
     * benchmarks of full-size networks run on, where only the time and memory matter.
     */
    public static void random(Block network, NDManager manager, Device device, DataType computeType) {
        for (Pair<Parameter, Shape> slot : slots(network)) {
            Shape shape = slot.getValue();
            String name = slot.getKey().getName();
            NDArray values;
            if (shape.dimension() >= 2) {
                values = manager.randomNormal(0, (float) (1 / Math.sqrt(shape.size() / shape.get(0))), shape, DataType.FLOAT32, device);
            } else {
                values = manager.randomNormal(name.endsWith(".weight") ? 1 : 0, 0.02f, shape, DataType.FLOAT32, device);
            }
            if (computeType != DataType.FLOAT32) {
                NDArray converted = values.toType(computeType, false);
                values.close();
                values = converted;
            }
            slot.getKey().setArray(values);
        }
    }

    /** Every parameter below {@code network} with the shape its block expects, in module order. */
    static java.util.List<Pair<Parameter, Shape>> slots(Block network) {
        java.util.List<Pair<Parameter, Shape>> slots = new java.util.ArrayList<>();
        collect(network, slots);
        return slots;
    }

    private static void collect(Block block, java.util.List<Pair<Parameter, Shape>> slots) {
        if (block instanceof NetworkBlock named) {
            for (Parameter parameter : named.getDirectParameters().values()) {
                slots.add(new Pair<>(parameter, named.expectedShape(parameter)));
            }
        }
        for (Block child : block.getChildren().values()) {
            collect(child, slots);
        }
    }

    private static ByteBuffer widenBfloat16(ByteBuffer halves) {
        int count = halves.remaining() / 2;
        ByteBuffer floats = ByteBuffer.allocateDirect(4 * count).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            floats.putInt((halves.getShort(2 * i) & 0xffff) << 16);
        }
        return floats.flip();
    }

    /**
     * A 1x1 conv's weight stored as the equivalent linear [out, in]: SD 1.5 files converted from the
     * diffusers format hold the VAE's attention projections that way (Sd15Layout allows it); the
     * values are in the same order, so they load as [out, in, 1, 1].
     */
    private static boolean pointwiseAsLinear(long[] stored, Shape expected) {
        return expected.dimension() == 4 && expected.get(2) == 1 && expected.get(3) == 1 && stored.length == 2
                && stored[0] == expected.get(0) && stored[1] == expected.get(1);
    }

    private static NDArray read(Safetensors file, String key, Shape expected, NDManager manager, DataType computeType)
            throws CheckpointMismatchException {
        TensorInfo tensor = file.header().tensor(key).orElseThrow(() -> new CheckpointMismatchException(
                file.header().file(), "the key '" + key + "' is missing"));
        if (!Arrays.equals(tensor.shape(), expected.getShape()) && !pointwiseAsLinear(tensor.shape(), expected)) {
            throw new CheckpointMismatchException(file.header().file(), "the key '" + key + "' has shape "
                    + Arrays.toString(tensor.shape()) + " where this network needs " + Arrays.toString(expected.getShape()));
        }
        NDArray raw = switch (tensor.dtype()) {
            case F32 -> manager.create(file.bytes(key), expected, DataType.FLOAT32);
            case F16 -> manager.create(file.bytes(key), expected, DataType.FLOAT16);
            // DJL 0.35.1 aborts the process when libtorch is handed bfloat16 bytes, so bf16 is widened
            // here: a bfloat16 is the top half of a float32, one tensor at a time off the heap.
            case BF16 -> manager.create(widenBfloat16(file.bytes(key)), expected, DataType.FLOAT32);
            default -> throw new CheckpointMismatchException(file.header().file(), "the key '" + key + "' holds "
                    + tensor.dtype() + " values; weights must be F32, F16 or BF16");
        };
        DataType stored = raw.getDataType();
        if (stored == computeType) {
            return raw;
        }
        NDArray converted = raw.toType(computeType, false);
        raw.close();
        return converted;
    }
}
