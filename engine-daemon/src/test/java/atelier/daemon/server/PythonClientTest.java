package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.client.AtelierHome;
import atelier.daemon.AtelierDaemon;
import atelier.daemon.DaemonFixture;
import java.time.Duration;
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
        if (Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/PyQt6"))) {
            // Debian's python3-pyqt6 is there (.ci/run installs it): the Krita 6 check must have run, not skipped.
            assertTrue(log.contains("test_the_plugin_loads_and_builds_its_docker_with_pyqt6) ... ok"), log);
        }
    }

    @Test
    void sharedPythonClientRunsAFillAndReadsTypedErrors() throws Exception {
        // A second daemon serves TLS as one on another machine would; the Python side is a "laptop"
        // with its own ATELIER_HOME, which holds no token until it trusts that daemon.
        AtelierHome remoteHome = AtelierHome.under(home.resolve("remote"));
        try (DaemonFixture fixture = new DaemonFixture(home);
             AtelierDaemon remote = AtelierDaemon.start(new AtelierDaemon.Settings(0, remoteHome, Limits.DEFAULT, 2,
                     Duration.ofHours(1)).withTls(true))) {
            ProcessBuilder builder = new ProcessBuilder(List.of(PYTHON, "-m", "unittest", "-v", "test_atelier_client"))
                    .directory(CLIENT_DIR.toFile()).redirectErrorStream(true);
            builder.environment().put("ATELIER_TEST_PORT", String.valueOf(fixture.daemon.port()));
            builder.environment().put("ATELIER_TEST_HOME", home.toString());
            builder.environment().put("ATELIER_TEST_TLS_PORT", String.valueOf(remote.port()));
            builder.environment().put("ATELIER_TEST_TLS_HOME", remoteHome.configDir().getParent().toString());
            builder.environment().put("ATELIER_HOME", home.resolve("laptop").toString());
            builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            Process python = builder.start();
            String log = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(python.waitFor(120, TimeUnit.SECONDS), log);
            assertEquals(0, python.exitValue(), "python3 -m unittest failed (is python3-thrift installed?):\n" + log);
            assertTrue(log.contains("test_fill_round_trip_with_the_generated_python_code) ... ok"), log);
            assertTrue(log.contains("test_a_large_picture_is_cropped_to_the_context_and_placed_back) ... ok"), log);
            assertFalse(log.contains("skipped"), log);
        }
    }
}
