package atelier.daemon.neural.diffusion.checkpoint;

import com.google.gson.stream.JsonWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a .safetensors file the way the reference implementation does: tensors in the order
 * added, back to back, the header padded with spaces to a multiple of 8 bytes so every tensor
 * starts aligned. Floats are converted to F16/BF16 with round-to-nearest-even. Tensors are held
 * until write(), so this is for the small files tests and tiny-model builders make.
 */
public final class SafetensorsWriter {

    private record Pending(DType dtype, long[] shape, float[] floats, byte[] raw) {
        long byteSize() {
            return floats != null ? (long) floats.length * dtype.bytes() : raw.length;
        }
    }

    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** A float tensor stored as F32, F16 or BF16; values in row-major order. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
        if (!dtype.convertsToFloat()) {
            throw new IllegalArgumentException(name + ": floats are written as F32, F16 or BF16, not " + dtype);
        }
        checkCount(name, shape, values.length);
        return put(name, new Pending(dtype, shape.clone(), values, null));
    }

    /** A tensor of any type given as its little-endian bytes (position ids as I64, masks as U8). */
    public SafetensorsWriter addBytes(String name, DType dtype, long[] shape, byte[] littleEndian) {
        if (littleEndian.length % dtype.bytes() != 0) {
            throw new IllegalArgumentException(name + ": " + littleEndian.length + " bytes are not whole " + dtype + " values");
        }
        checkCount(name, shape, littleEndian.length / dtype.bytes());
        return put(name, new Pending(dtype, shape.clone(), null, littleEndian.clone()));
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    private SafetensorsWriter put(String name, Pending tensor) {
        if (name.equals(SafetensorsHeader.METADATA) || tensors.putIfAbsent(name, tensor) != null) {
            throw new IllegalArgumentException("a tensor cannot be named " + name + " twice, nor " + SafetensorsHeader.METADATA);
        }
        return this;
    }

    private static void checkCount(String name, long[] shape, long count) {
        long product = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            product = Math.multiplyExact(product, d);
        }
        if (product != count) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + product + " values, not "
                    + count);
        }
    }

    public void write(Path file) throws IOException {
        byte[] header = header();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            for (Pending tensor : tensors.values()) {
                out.write(tensor.floats != null ? encode(tensor.dtype, tensor.floats) : tensor.raw);
            }
        }
    }

    private byte[] header() throws IOException {
        StringWriter text = new StringWriter();
        try (JsonWriter json = new JsonWriter(text)) {
            json.beginObject();
            if (!metadata.isEmpty()) {
                json.name(SafetensorsHeader.METADATA).beginObject();
                for (Map.Entry<String, String> entry : metadata.entrySet()) {
                    json.name(entry.getKey()).value(entry.getValue());
                }
                json.endObject();
            }
            long offset = 0;
            for (Map.Entry<String, Pending> entry : tensors.entrySet()) {
                Pending tensor = entry.getValue();
                json.name(entry.getKey()).beginObject();
                json.name("dtype").value(tensor.dtype.name());
                json.name("shape").beginArray();
                for (long d : tensor.shape) {
                    json.value(d);
                }
                json.endArray();
                json.name("data_offsets").beginArray().value(offset).value(offset + tensor.byteSize()).endArray();
                json.endObject();
                offset += tensor.byteSize();
            }
            json.endObject();
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (bytes.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(bytes, padded);
        Arrays.fill(header, bytes.length, padded, (byte) ' ');
        return header;
    }

    private static byte[] encode(DType dtype, float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            switch (dtype) {
                case F32 -> out.putFloat(value);
                case F16 -> out.putShort(HalfFloats.floatToHalf(value));
                case BF16 -> out.putShort(HalfFloats.floatToBfloat16(value));
                default -> throw new AssertionError(dtype);
            }
        }
        return out.array();
    }
}
