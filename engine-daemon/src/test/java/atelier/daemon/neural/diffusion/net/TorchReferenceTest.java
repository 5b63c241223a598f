package atelier.daemon.neural.diffusion.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchReferenceTest {

    @TempDir
    Path dir;

    @Test
    void tensorsGoToPythonAndComeBackByName() throws Exception {
        float[] values = {1.5f, -2f, 3.25f, 0f, 1e-7f, 65504f};
        Map<String, float[]> out = TorchReference.run("reference_echo.py", dir,
                Map.of("x", new TorchReference.Tensor(new long[] {2, 3}, values)));
        assertEquals(1, out.size());
        assertArrayEquals(new float[] {3f, -4f, 6.5f, 0f, 2e-7f, 131008f}, out.get("x"));
    }
}
