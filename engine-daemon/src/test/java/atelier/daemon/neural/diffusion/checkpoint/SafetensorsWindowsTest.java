package atelier.daemon.neural.diffusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.neural.diffusion.checkpoint.WindowPlan.Window;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files over 2 GiB are mapped in several windows. The same logic runs here with windows of a
 * few bytes, so crossing a window boundary is tested without writing gigabytes.
 */
class SafetensorsWindowsTest {

    private static TensorInfo tensor(String name, long begin, long end) {
        return new TensorInfo(name, DType.U8, new long[] {end - begin}, begin, end);
    }

    @Test
    void windowsAreCutBetweenTensorsAndNeverExceedTheLimit() {
        List<TensorInfo> tensors = List.of(tensor("a", 0, 4), tensor("b", 4, 8), tensor("c", 8, 12), tensor("empty", 12, 12),
                tensor("d", 12, 22), tensor("e", 22, 23));
        WindowPlan plan = WindowPlan.of(tensors, 10);
        assertEquals(List.of(new Window(0, 8), new Window(8, 12), new Window(12, 22), new Window(22, 23)), plan.windows());
        assertEquals(0, plan.windowOf("a"));
        assertEquals(0, plan.windowOf("b"));
        assertEquals(1, plan.windowOf("c"));
        assertEquals(1, plan.windowOf("empty"));
        assertEquals(2, plan.windowOf("d"));
        assertEquals(3, plan.windowOf("e"));
    }

    @Test
    void aTensorLargerThanAWindowGetsNoneAndTheOthersStillDo() {
        WindowPlan plan = WindowPlan.of(List.of(tensor("small", 0, 3), tensor("big", 3, 20), tensor("after", 20, 24)), 8);
        assertEquals(List.of(new Window(0, 3), new Window(20, 24)), plan.windows());
        assertEquals(-1, plan.windowOf("big"));
        assertEquals(1, plan.windowOf("after"));
    }

    @Test
    void oneWindowCoversAFileThatFits() {
        WindowPlan plan = WindowPlan.of(List.of(tensor("b", 5, 9), tensor("a", 0, 5)), Safetensors.MAX_WINDOW);
        assertEquals(List.of(new Window(0, 9)), plan.windows());
    }

    @Test
    void tensorsReadTheSameThroughSmallWindowsAsThroughOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("many.safetensors");
        SafetensorsWriter writer = new SafetensorsWriter();
        for (int i = 0; i < 12; i++) {
            DType dtype = List.of(DType.F32, DType.F16, DType.BF16).get(i % 3);
            writer.add("t" + i, dtype, new long[] {i + 1}, SafetensorsFiles.ramp(i + 1, i, 0.25f));
        }
        writer.write(file);

        Safetensors whole = Safetensors.open(file);
        Safetensors windowed = Safetensors.open(file, 40);
        WindowPlan plan = WindowPlan.of(windowed.tensors(), 40);
        assertTrue(plan.windows().size() > 5, "the test should cross many windows, not " + plan.windows().size());
        for (int i = 0; i < 12; i++) {
            String name = "t" + i;
            assertArrayEquals(whole.floats(name), windowed.floats(name), name);
            assertArrayEquals(SafetensorsFiles.ramp(i + 1, i, 0.25f), windowed.floats(name), name);
        }
        // t9 is ten F32 values, 40 bytes: it fits a 40-byte window but not a 20-byte one.
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Safetensors.open(file, 20).bytes("t9"));
        assertTrue(refused.getMessage().contains("tensor 't9'") && refused.getMessage().contains("memory mapping"),
                refused.getMessage());
    }
}
