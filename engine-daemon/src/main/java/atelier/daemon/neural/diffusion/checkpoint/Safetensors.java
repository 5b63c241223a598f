package atelier.daemon.neural.diffusion.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A .safetensors file opened for reading its tensors: the header checked (see
 * SafetensorsHeader), the data section memory-mapped read-only in windows of up to 2 GiB.
 * A tensor is a read-only slice of its window (no copy), or a float[] converted from F32,
 * F16 or BF16. The pages come from the OS page cache as they are touched; the mappings are
 * released when this object is garbage: Java 17 has no way to unmap one sooner, and the
 * channel is closed at once since a mapping does not need it.
 */
public final class Safetensors {

    /** The most one MappedByteBuffer can address. */
    static final long MAX_WINDOW = Integer.MAX_VALUE;

    private final SafetensorsHeader header;
    private final WindowPlan plan;
    private final List<MappedByteBuffer> windows;

    private Safetensors(SafetensorsHeader header, WindowPlan plan, List<MappedByteBuffer> windows) {
        this.header = header;
        this.plan = plan;
        this.windows = windows;
    }

    public static Safetensors open(Path file) throws IOException {
        return open(file, MAX_WINDOW);
    }

    /** With a smaller window, so tests can cross window boundaries with small files. */
    static Safetensors open(Path file, long maxWindow) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SafetensorsHeader header = SafetensorsHeader.read(file, channel);
            WindowPlan plan = WindowPlan.of(header.tensors(), maxWindow);
            List<MappedByteBuffer> windows = new ArrayList<>();
            for (WindowPlan.Window window : plan.windows()) {
                windows.add(channel.map(FileChannel.MapMode.READ_ONLY, header.dataStart() + window.start(), window.size()));
            }
            return new Safetensors(header, plan, List.copyOf(windows));
        }
    }

    public SafetensorsHeader header() {
        return header;
    }

    public Collection<TensorInfo> tensors() {
        return header.tensors();
    }

    /** The tensor of that name; an IllegalArgumentException naming the file when there is none. */
    public TensorInfo tensor(String name) {
        return header.tensor(name).orElseThrow(() -> new IllegalArgumentException(
                header.file().getFileName() + " has no tensor '" + name + "'"));
    }

    /** The tensor's bytes as they lie in the file (little-endian), read-only, without a copy. */
    public ByteBuffer bytes(String name) {
        TensorInfo tensor = tensor(name);
        int index = plan.windowOf(name);
        if (index < 0) {
            throw new IllegalArgumentException(header.file().getFileName() + ": tensor '" + name + "' has " + tensor.byteSize()
                    + " bytes, more than one memory mapping can hold (" + MAX_WINDOW + ")");
        }
        MappedByteBuffer window = windows.get(index);
        int from = Math.toIntExact(tensor.begin() - plan.windows().get(index).start());
        // slice() starts big-endian whatever the window's order, so the order is set on the slice.
        return window.duplicate().position(from).limit(from + Math.toIntExact(tensor.byteSize())).slice()
                .asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The tensor's values as floats, exact for F32, F16 and BF16; other types are refused, naming the tensor. */
    public float[] floats(String name) {
        TensorInfo tensor = tensor(name);
        if (!tensor.dtype().convertsToFloat()) {
            throw new IllegalArgumentException(header.file().getFileName() + ": tensor '" + name + "' is " + tensor.dtype()
                    + "; only F32, F16 and BF16 read as floats (read its bytes instead)");
        }
        ByteBuffer bytes = bytes(name);
        float[] values = new float[Math.toIntExact(tensor.elements())];
        switch (tensor.dtype()) {
            case F32 -> bytes.asFloatBuffer().get(values);
            case F16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = HalfFloats.halfToFloat(bytes.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = HalfFloats.bfloat16ToFloat(bytes.getShort(2 * i));
                }
            }
            default -> throw new AssertionError(tensor.dtype());
        }
        return values;
    }
}
