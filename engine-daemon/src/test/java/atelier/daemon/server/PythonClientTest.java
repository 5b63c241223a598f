package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.DaemonFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated Python code and the plugins' shared client, against a real daemon. */
class PythonClientTest {

    /** Debian's interpreter, where python3-thrift installs; a pyenv python3 on PATH would lack it. */
    private static final String PYTHON = Files.exists(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    private static final Path CLIENT_DIR = Path.of("../editor-plugin/common").toAbsolutePath().normalize();

    @TempDir
    Path home;

    @Test
    void kritaPluginLogicPassesItsOwnTests() throws Exception {
        // Pixel conversion, masks, placement and naming: the Krita plugin's parts that need no Krita.
        Path krita = CLIENT_DIR.resolveSibling("krita");
        Process python = new ProcessBuilder(List.of(PYTHON, "-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."))
                .directory(krita.toFile()).redirectErrorStream(true).start();
        String log = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(120, TimeUnit.SECONDS), log);
        assertEquals(0, python.exitValue(), log);
        assertTrue(log.contains("OK"), log);
        assertFalse(log.contains("Ran 0 tests"), log);
    }

    @Test
    void sharedPythonClientRunsAFillAndReadsTypedErrors() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(home)) {
            ProcessBuilder builder = new ProcessBuilder(List.of(PYTHON, "-m", "unittest", "-v", "test_atelier_client"))
                    .directory(CLIENT_DIR.toFile()).redirectErrorStream(true);
            builder.environment().put("ATELIER_TEST_PORT", String.valueOf(fixture.daemon.port()));
            builder.environment().put("ATELIER_TEST_HOME", home.toString());
            builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            Process python = builder.start();
            String log = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(python.waitFor(120, TimeUnit.SECONDS), log);
            assertEquals(0, python.exitValue(), "python3 -m unittest failed (is python3-thrift installed?):\n" + log);
            assertTrue(log.contains("test_fill_round_trip_with_the_generated_python_code) ... ok"), log);
            assertFalse(log.contains("skipped"), log);
        }
    }
}
