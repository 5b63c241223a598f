package atelier.daemon.neural.diffusion.checkpoint;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The header of a .safetensors file: every tensor's name, type, shape and byte range, and the
 * optional string metadata. Reading it touches only the first bytes of the file, which is all
 * that deciding what a checkpoint is needs. Everything is checked here, so a reader of the data
 * can trust the ranges: each lies inside the data section, holds exactly shape x type bytes,
 * and together they tile the data section without overlap or gap, as the reference
 * implementation (the Rust safetensors crate) demands of a file.
 */
public final class SafetensorsHeader {

    /** Headers of real checkpoints are a few hundred kilobytes; the reference implementation stops at 100 MB. */
    static final long MAX_HEADER_BYTES = 100_000_000;

    static final String METADATA = "__metadata__";

    private final Path file;
    private final long headerBytes;
    private final long dataBytes;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsHeader(Path file, long headerBytes, long dataBytes, Map<String, TensorInfo> tensors,
                              Map<String, String> metadata) {
        this.file = file;
        this.headerBytes = headerBytes;
        this.dataBytes = dataBytes;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Reads and checks the header of a file, not its data. */
    public static SafetensorsHeader read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, channel);
        }
    }

    static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < Long.BYTES) {
            throw new SafetensorsException(file, "only " + fileSize + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, lengthBytes, 0);
        long headerBytes = lengthBytes.getLong(0);
        if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES) {
            throw new SafetensorsException(file, "header length " + Long.toUnsignedString(headerBytes)
                    + " is outside 2 .. " + MAX_HEADER_BYTES + " bytes: not a safetensors file, or a damaged one");
        }
        if (Long.BYTES + headerBytes > fileSize) {
            throw new SafetensorsException(file, "header length " + headerBytes + " runs past the end of the file (" + fileSize
                    + " bytes): the file is truncated");
        }
        ByteBuffer json = ByteBuffer.allocate((int) headerBytes);
        readFully(file, channel, json, Long.BYTES);
        json.flip();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(json).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, "the header is not UTF-8 text", e);
        }
        return parse(file, text, headerBytes, fileSize - Long.BYTES - headerBytes);
    }

    private static void readFully(Path file, FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into, position + into.position()) < 0) {
                throw new SafetensorsException(file, "ends before its header does: the file is truncated");
            }
        }
    }

    /** Parses header text; dataBytes is what the file holds after the header. */
    static SafetensorsHeader parse(Path file, String text, long headerBytes, long dataBytes) throws SafetensorsException {
        if (!text.startsWith("{")) {
            throw new SafetensorsException(file, "the header does not start with '{': not a safetensors file");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        boolean metadataSeen = false;
        JsonReader json = new JsonReader(new StringReader(text));
        json.setStrictness(Strictness.STRICT);
        try {
            json.beginObject();
            while (json.hasNext()) {
                String name = json.nextName();
                if (tensors.containsKey(name) || (name.equals(METADATA) && metadataSeen)) {
                    throw new SafetensorsException(file, "the header names '" + name + "' twice");
                }
                if (name.equals(METADATA)) {
                    readMetadata(file, json, metadata);
                    metadataSeen = true;
                } else {
                    tensors.put(name, readTensor(file, json, name));
                }
            }
            json.endObject();
            // The reference writer pads the header with spaces to a multiple of 8; anything else after the object is
            // damage (in strict mode peek() itself refuses a second value).
            if (json.peek() != JsonToken.END_DOCUMENT) {
                throw new SafetensorsException(file, "the header has text after its closing '}'");
            }
        } catch (SafetensorsException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // Gson's own message advises lenient parsing and links its troubleshooting page; the position is what helps.
            throw new SafetensorsException(file, "the header is not well-formed JSON" + json.toString().replaceFirst("^JsonReader", ""), e);
        }
        checkRanges(file, tensors.values(), dataBytes);
        return new SafetensorsHeader(file, headerBytes, dataBytes, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(Path file, JsonReader json, Map<String, String> metadata) throws IOException {
        expect(file, json, JsonToken.BEGIN_OBJECT, METADATA, "an object of strings");
        json.beginObject();
        while (json.hasNext()) {
            String key = json.nextName();
            expect(file, json, JsonToken.STRING, METADATA + "." + key, "a string");
            metadata.put(key, json.nextString());
        }
        json.endObject();
    }

    private static TensorInfo readTensor(Path file, JsonReader json, String name) throws IOException {
        String where = "tensor '" + name + "'";
        expect(file, json, JsonToken.BEGIN_OBJECT, where, "an object with dtype, shape and data_offsets");
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        json.beginObject();
        while (json.hasNext()) {
            String field = json.nextName();
            switch (field) {
                case "dtype" -> {
                    expect(file, json, JsonToken.STRING, where + " dtype", "a string");
                    String typeName = json.nextString();
                    dtype = DType.named(typeName).orElseThrow(() -> new SafetensorsException(file,
                            where + " has dtype '" + typeName + "', which safetensors does not define"));
                }
                case "shape" -> shape = readCounts(file, json, where + " shape");
                case "data_offsets" -> offsets = readCounts(file, json, where + " data_offsets");
                default -> throw new SafetensorsException(file, where + " has an unknown field '" + field + "'");
            }
        }
        json.endObject();
        if (dtype == null || shape == null || offsets == null) {
            String missing = dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets";
            throw new SafetensorsException(file, where + " has no " + missing);
        }
        if (offsets.length != 2 || offsets[0] > offsets[1]) {
            throw new SafetensorsException(file, where + " data_offsets " + Arrays.toString(offsets)
                    + " are not a [begin, end] pair with begin <= end");
        }
        TensorInfo tensor = new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
        long expected;
        try {
            expected = Math.multiplyExact(tensor.elements(), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, where + " shape " + tensor.shapeList() + " is too large to exist");
        }
        if (tensor.byteSize() != expected) {
            throw new SafetensorsException(file, where + " data_offsets [" + offsets[0] + ", " + offsets[1] + "] hold "
                    + tensor.byteSize() + " bytes, but " + dtype + " " + tensor.shapeList() + " needs " + expected);
        }
        return tensor;
    }

    /** An array of non-negative integers: a shape or a pair of offsets. */
    private static long[] readCounts(Path file, JsonReader json, String where) throws IOException {
        expect(file, json, JsonToken.BEGIN_ARRAY, where, "an array of integers");
        List<Long> values = new ArrayList<>();
        json.beginArray();
        while (json.hasNext()) {
            expect(file, json, JsonToken.NUMBER, where, "an array of integers");
            String number = json.nextString();
            long value;
            try {
                value = Long.parseLong(number);
            } catch (NumberFormatException e) {
                throw new SafetensorsException(file, where + " holds " + number + ", not a whole number");
            }
            if (value < 0) {
                throw new SafetensorsException(file, where + " holds " + value + ", a negative number");
            }
            values.add(value);
        }
        json.endArray();
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static void expect(Path file, JsonReader json, JsonToken token, String where, String what) throws IOException {
        JsonToken found = json.peek();
        if (found != token) {
            throw new SafetensorsException(file, where + " should be " + what + ", not " + found.name().toLowerCase());
        }
    }

    /** The byte ranges, in file order, must tile the data section exactly. */
    private static void checkRanges(Path file, Collection<TensorInfo> tensors, long dataBytes) throws SafetensorsException {
        List<TensorInfo> inOrder = new ArrayList<>(tensors);
        inOrder.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long next = 0;
        TensorInfo previous = null;
        for (TensorInfo tensor : inOrder) {
            if (tensor.end() > dataBytes) {
                throw new SafetensorsException(file, "tensor '" + tensor.name() + "' data_offsets [" + tensor.begin() + ", "
                        + tensor.end() + "] run past the end of the data section (" + dataBytes
                        + " bytes): the file is truncated or its header is wrong");
            }
            if (tensor.begin() < next) {
                throw new SafetensorsException(file, "tensor '" + tensor.name() + "' data_offsets [" + tensor.begin() + ", "
                        + tensor.end() + "] overlap those of tensor '" + previous.name() + "' [" + previous.begin() + ", "
                        + previous.end() + "]");
            }
            if (tensor.begin() > next) {
                throw new SafetensorsException(file, "bytes " + next + " to " + tensor.begin()
                        + " of the data section belong to no tensor (before tensor '" + tensor.name() + "')");
            }
            next = tensor.end();
            previous = tensor;
        }
        if (next != dataBytes) {
            throw new SafetensorsException(file, "the data section has " + dataBytes + " bytes, but its tensors end at byte "
                    + next + ": the file has trailing bytes");
        }
    }

    public Path file() {
        return file;
    }

    /** Bytes of JSON after the 8-byte length; the data section starts at 8 + this. */
    public long headerBytes() {
        return headerBytes;
    }

    /** Where the data section starts in the file. */
    public long dataStart() {
        return Long.BYTES + headerBytes;
    }

    public long dataBytes() {
        return dataBytes;
    }

    /** Every tensor, in the header's order. */
    public Collection<TensorInfo> tensors() {
        return tensors.values();
    }

    public Optional<TensorInfo> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public int size() {
        return tensors.size();
    }

    /** The __metadata__ strings (what a trainer wrote: base model, LoRA settings), empty if none. */
    public Map<String, String> metadata() {
        return metadata;
    }
}
