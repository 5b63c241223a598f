package atelier.daemon.neural.diffusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the writer writes, the reader reads back: names, types, shapes, values and metadata. */
class SafetensorsRoundTripTest {

    @TempDir
    Path dir;

    /** Values every one of F32, F16 and BF16 holds exactly. */
    private static final float[] SHARED = {0f, -0f, 1f, -2f, 0.5f, 0.375f, -96f, 1024f, 0x1p-14f, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, 3f};

    @Test
    void f32TensorsReadBackBitForBit() throws Exception {
        float[] values = {Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_NORMAL, (float) Math.PI, 1e-30f, -0f, 123456.789f, 0.1f};
        Path file = dir.resolve("f32.safetensors");
        new SafetensorsWriter().add("weights", DType.F32, new long[] {2, 4}, values).write(file);

        Safetensors read = Safetensors.open(file);
        TensorInfo tensor = read.tensor("weights");
        assertEquals(DType.F32, tensor.dtype());
        assertEquals(List.of(2L, 4L), tensor.shapeList());
        float[] back = read.floats("weights");
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(back[i]), "value " + i);
        }
    }

    @Test
    void f16AndBf16TensorsReadBackRepresentableValuesExactly() throws Exception {
        float[] halfOnly = {65504f, -65504f, 0x1p-24f, 0x3ffp-24f, 1 + 0x1p-10f, 2047f};
        float[] bfloatOnly = {0x1p100f, -0x1p-126f, 1 + 0x1p-7f, Float.intBitsToFloat(0x7f7f0000)};
        Path file = dir.resolve("halves.safetensors");
        new SafetensorsWriter()
                .add("shared.f16", DType.F16, new long[] {3, 4}, SHARED)
                .add("shared.bf16", DType.BF16, new long[] {12}, SHARED)
                .add("edges.f16", DType.F16, new long[] {6}, halfOnly)
                .add("edges.bf16", DType.BF16, new long[] {4}, bfloatOnly)
                .write(file);

        Safetensors read = Safetensors.open(file);
        assertArrayEquals(SHARED, read.floats("shared.f16"));
        assertArrayEquals(SHARED, read.floats("shared.bf16"));
        assertArrayEquals(halfOnly, read.floats("edges.f16"));
        assertArrayEquals(bfloatOnly, read.floats("edges.bf16"));
        assertEquals(DType.F16, read.tensor("edges.f16").dtype());
        assertEquals(24, read.bytes("shared.bf16").remaining(), "two bytes a value");
    }

    @Test
    void valuesAHalfCannotHoldComeBackAsTheNearestHalf() throws Exception {
        Path file = dir.resolve("rounded.safetensors");
        new SafetensorsWriter().add("x", DType.F16, new long[] {4}, new float[] {0.1f, 1e6f, Float.NaN, 1e-9f}).write(file);
        float[] back = Safetensors.open(file).floats("x");
        assertEquals(0.0999755859375f, back[0]);
        assertEquals(Float.POSITIVE_INFINITY, back[1]);
        assertTrue(Float.isNaN(back[2]));
        assertEquals(0f, back[3]);
    }

    @Test
    void scalarsEmptyTensorsAndMetadataSurviveTheTrip() throws Exception {
        Path file = dir.resolve("lora-like.safetensors");
        new SafetensorsWriter()
                .metadata("ss_network_dim", "4")
                .metadata("format", "pt")
                .add("alpha", DType.F32, new long[] {}, new float[] {4f})
                .add("nothing", DType.F16, new long[] {0, 3}, new float[0])
                .write(file);

        Safetensors read = Safetensors.open(file);
        assertEquals(Map.of("ss_network_dim", "4", "format", "pt"), read.header().metadata());
        assertEquals(0, read.tensor("alpha").rank());
        assertArrayEquals(new float[] {4f}, read.floats("alpha"));
        assertArrayEquals(new float[0], read.floats("nothing"));
        assertEquals(2, read.tensors().size(), "__metadata__ is not a tensor");
    }

    @Test
    void theHeaderIsPaddedSoTheDataStartsEightByteAligned() throws Exception {
        Path file = dir.resolve("aligned.safetensors");
        new SafetensorsWriter().add("a", DType.F32, new long[] {1}, new float[] {1f}).write(file);
        SafetensorsHeader header = SafetensorsHeader.read(file);
        assertEquals(0, header.dataStart() % 8);
        assertEquals(Files.size(file), header.dataStart() + 4);
    }

    @Test
    void integerTensorsAreListedAndTheirBytesReadableButNotAsFloats() throws Exception {
        ByteBuffer ids = ByteBuffer.allocate(3 * 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(1).putLong(76);
        Path file = dir.resolve("ids.safetensors");
        new SafetensorsWriter().addBytes("position_ids", DType.I64, new long[] {1, 3}, ids.array()).write(file);

        Safetensors read = Safetensors.open(file);
        assertEquals(DType.I64, read.tensor("position_ids").dtype());
        assertEquals(76L, read.bytes("position_ids").getLong(16));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> read.floats("position_ids"));
        assertTrue(refused.getMessage().contains("ids.safetensors") && refused.getMessage().contains("position_ids")
                && refused.getMessage().contains("I64"), refused.getMessage());
    }

    @Test
    void aTensorsBytesAreAReadOnlyLittleEndianViewOfTheMappedFile() throws Exception {
        Path file = dir.resolve("view.safetensors");
        new SafetensorsWriter().add("a", DType.F32, new long[] {2}, new float[] {1f, 2f})
                .add("b", DType.F32, new long[] {3}, new float[] {3f, 4f, 5f}).write(file);
        ByteBuffer b = Safetensors.open(file).bytes("b");
        assertTrue(b.isReadOnly());
        assertTrue(b.isDirect(), "a slice of the mapping, not a heap copy");
        assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
        assertEquals(12, b.remaining());
        assertEquals(3f, b.getFloat(0));
        assertEquals(5f, b.getFloat(8));
    }

    @Test
    void askingForATensorTheFileLacksNamesTheFileAndTheTensor() throws Exception {
        Path file = dir.resolve("small.safetensors");
        new SafetensorsWriter().add("a", DType.F32, new long[] {1}, new float[] {1f}).write(file);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Safetensors.open(file).floats("b"));
        assertEquals("small.safetensors has no tensor 'b'", missing.getMessage());
        assertFalse(Safetensors.open(file).header().has("b"));
    }
}
