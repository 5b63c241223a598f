package atelier.daemon.neural.diffusion.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-made safetensors files, for headers no writer would produce. */
final class SafetensorsFiles {

    private SafetensorsFiles() {
    }

    /** The 8-byte length, then the header text as given, then dataBytes zero bytes. */
    static Path raw(Path file, String header, int dataBytes) {
        byte[] text = header.getBytes(StandardCharsets.UTF_8);
        return raw(file, text.length, text, dataBytes);
    }

    /** As above with a header length that may lie about the text. */
    static Path raw(Path file, long declaredLength, byte[] header, int dataBytes) {
        ByteBuffer bytes = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(declaredLength).put(header);
        try {
            return Files.write(file, bytes.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] ramp(int count, float start, float step) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = start + i * step;
        }
        return values;
    }
}
