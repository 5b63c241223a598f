package atelier.bridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.client.AtelierHome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `atelier models ...` with no daemon anywhere: the model directory only. Install needs npm. */
class ModelsCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int atelier(AtelierHome home, String... args) {
        return new AtelierCommand(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                home, false).run(args);
    }

    @Test
    void installListRemoveWithoutADaemon(@TempDir Path root) throws Exception {
        AtelierHome home = AtelierHome.under(root);
        assertEquals(0, atelier(home, "models", "list"));
        assertTrue(out.toString(StandardCharsets.UTF_8).matches("(?s).*isnet +not installed.*"), out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).matches("(?s).*sd15-inpainting +not installed, 4.27 GB, CreativeML OpenRAIL-M.*"),
                out.toString(StandardCharsets.UTF_8));

        assertEquals(0, atelier(home, "models", "install", "isnet"), err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("AGPL-3.0"));
        assertTrue(Files.isRegularFile(home.modelDir().resolve("isnet/isnet-medium.onnx")));
        assertEquals(0, atelier(home, "models", "install", "isnet"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("already installed"));
        assertEquals(0, atelier(home, "models", "list"));
        assertTrue(out.toString(StandardCharsets.UTF_8).matches("(?s).*isnet +installed.*"), out.toString(StandardCharsets.UTF_8));
        assertEquals(false, Files.exists(root.resolve("config/token")), "no daemon was started");

        assertEquals(0, atelier(home, "models", "remove", "isnet"));
        assertTrue(Files.notExists(home.modelDir().resolve("isnet")));
    }

    @Test
    void anUnknownModelOrActionIsABadRequest(@TempDir Path root) {
        AtelierHome home = AtelierHome.under(root);
        assertEquals(2, atelier(home, "models", "install", "u2net"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("isnet"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, atelier(home, "models", "fetch", "isnet"));
        assertEquals(2, atelier(home, "models", "install"));
    }

}
