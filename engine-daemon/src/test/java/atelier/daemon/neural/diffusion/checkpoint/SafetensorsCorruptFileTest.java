package atelier.daemon.neural.diffusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged or forged file is refused before any tensor is read, with a sentence naming the file and the fault. */
class SafetensorsCorruptFileTest {

    @TempDir
    Path dir;

    private String refusal(Path file) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.open(file));
        assertTrue(e.getMessage().startsWith(file.getFileName() + ": "), e.getMessage());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "'" + message + "' should mention '" + part + "'");
        }
    }

    @Test
    void aDownloadCutShortIsRefusedNamingTheTensorThatRunsPastTheEnd() throws Exception {
        Path file = dir.resolve("cut.safetensors");
        new SafetensorsWriter().add("first", DType.F32, new long[] {4}, new float[4])
                .add("second", DType.F16, new long[] {8}, new float[8]).write(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() - 3);
        }
        assertMentions(refusal(file), "tensor 'second'", "run past the end of the data section", "truncated");
    }

    @Test
    void aFileCutInsideItsHeaderSaysTheHeaderRunsPastTheEnd() throws Exception {
        Path file = dir.resolve("cut-header.safetensors");
        new SafetensorsWriter().add("first", DType.F32, new long[] {4}, new float[4]).write(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(20);
        }
        assertMentions(refusal(file), "header length", "runs past the end of the file (20 bytes)");
        Files.write(file, new byte[5]);
        assertMentions(refusal(file), "only 5 bytes");
    }

    @Test
    void aHeaderLengthBeyondReasonIsRefusedWithoutReadingIt() {
        Path file = SafetensorsFiles.raw(dir.resolve("huge.safetensors"), 200_000_000L, "{}".getBytes(StandardCharsets.UTF_8), 0);
        assertMentions(refusal(file), "header length 200000000", "100000000");
        Path negative = SafetensorsFiles.raw(dir.resolve("negative.safetensors"), -1L, "{}".getBytes(StandardCharsets.UTF_8), 0);
        assertMentions(refusal(negative), "header length 18446744073709551615");
    }

    @Test
    void offsetsPointingPastTheEndOfTheDataAreRefused() {
        Path file = SafetensorsFiles.raw(dir.resolve("past.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        assertMentions(refusal(file), "tensor 'w'", "data_offsets [0, 16]", "data section (8 bytes)");
    }

    @Test
    void overlappingTensorsAreRefusedNamingBoth() {
        Path file = SafetensorsFiles.raw(dir.resolve("overlap.safetensors"), "{"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        assertMentions(refusal(file), "tensor 'b'", "overlap", "tensor 'a'");
    }

    @Test
    void bytesBelongingToNoTensorAreRefused() {
        Path gap = SafetensorsFiles.raw(dir.resolve("gap.safetensors"), "{"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12);
        assertMentions(refusal(gap), "bytes 4 to 8", "before tensor 'b'");
        Path trailing = SafetensorsFiles.raw(dir.resolve("trailing.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 10);
        assertMentions(refusal(trailing), "10 bytes", "end at byte 4", "trailing");
    }

    @Test
    void aByteRangeThatDoesNotFitTheShapeIsRefused() {
        Path file = SafetensorsFiles.raw(dir.resolve("size.safetensors"),
                "{\"w\":{\"dtype\":\"F16\",\"shape\":[3,3],\"data_offsets\":[0,16]}}", 16);
        assertEquals("size.safetensors: tensor 'w' data_offsets [0, 16] hold 16 bytes, but F16 [3, 3] needs 18",
                refusal(file));
    }

    @Test
    void malformedFieldsAreNamed() {
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("neg.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0)), "tensor 'w' shape", "negative");
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("frac.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4)), "tensor 'w' shape", "1.5");
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("dtype.safetensors"),
                "{\"w\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4)), "tensor 'w'", "'F12'");
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("noshape.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4)), "tensor 'w' has no shape");
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("three.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8)), "tensor 'w' data_offsets [0, 4, 8]");
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("twice.safetensors"), "{"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)), "'w' twice");
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("meta.safetensors"),
                "{\"__metadata__\":{\"steps\":100}}", 0)), "__metadata__.steps", "a string");
    }

    @Test
    void textThatIsNotJsonIsRefused() {
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("pickle.safetensors"), "PK\u0003\u0004 a zip", 0)),
                "does not start with '{'");
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("open.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],", 0)), "not well-formed JSON");
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("after.safetensors"), "{} {}", 0)), "not well-formed JSON at line 1 column");
        assertMentions(refusal(SafetensorsFiles.raw(dir.resolve("utf.safetensors"), 4, new byte[] {'{', (byte) 0xff, '}', ' '}, 0)),
                "not UTF-8");
    }

    @Test
    void spacesPaddingTheHeaderAreAccepted() throws Exception {
        Path file = SafetensorsFiles.raw(dir.resolve("padded.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}     ", 4);
        assertEquals(1, Safetensors.open(file).tensors().size());
    }
}
