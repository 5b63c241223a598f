package atelier.daemon.plugin;

import static atelier.daemon.plugin.EditorChecks.assertUnchangedOutside;
import static atelier.daemon.plugin.EditorChecks.redPixels;
import static atelier.daemon.plugin.EditorChecks.tail;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import atelier.daemon.DaemonFixture;
import atelier.daemon.image.Mask;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The artist's story in a real GIMP 2.10, in batch mode: the helper plug-in is built from
 * editor-plugin/gimp/gimp2/plug-ins with its Makefile into a temporary GIMP profile (GIMP2_DIRECTORY),
 * beside scripts/atelier.scm and the scenario tests/e2e-fill.scm, which runs Filters > Atelier > Fill
 * selection non-interactively on the meadow with the ball selected. The `atelier` command it runs is
 * this build's, talking to a real daemon. Fails (never skips) when gimp, make or libgimp2.0-dev is missing.
 */
class GimpPluginEndToEndTest {

    private static final Path GIMP2 = Path.of("../editor-plugin/gimp/gimp2").toAbsolutePath().normalize();
    private static final Path GIMP3 = Path.of("../editor-plugin/gimp/gimp3").toAbsolutePath().normalize();
    private static final Path OUT = Path.of("target/gimp-e2e").toAbsolutePath();
    private static final String LAYER = "Atelier fill · seed 1234";

    @TempDir
    Path temp;

    @Test
    void fillSelectionInGimpAddsAMaskedLayerThatRemovesTheBallAndLeavesTheArtistsLayerAlone() throws Exception {
        EditorChecks.requireTools("GIMP end-to-end test", List.of("gimp", "make", "cc", "pkg-config"),
                "apt-get install gimp libgimp2.0-dev gcc make pkg-config");
        resetOutput();
        Path image = temp.resolve("meadow-ball.png");
        Path mask = temp.resolve("meadow-ball-mask.png");
        Files.write(image, DaemonFixture.sample("meadow-ball.png"));
        Files.write(mask, DaemonFixture.sample("meadow-ball-mask.png"));
        Path profile = gimpProfile();

        try (DaemonFixture fixture = new DaemonFixture(temp.resolve("atelier"))) {
            runGimp(profile, fixture.daemon.port(),
                    "(atelier-e2e-fill " + quoted(image) + " " + quoted(mask) + " " + quoted(OUT) + ")", "report.txt");
        }

        String report = Files.readString(OUT.resolve("report.txt"), StandardCharsets.UTF_8);
        String log = report + "\n--- gimp log ---\n" + tail(OUT.resolve("gimp.log"));
        assertTrue(report.contains("no-selection: Atelier fill needs a selection"), "Fill with no selection must explain:\n" + log);
        assertTrue(report.contains("inpaint-without-model: Atelier inpaint: unsupported")
                && report.contains("atelier models install"), "a failing command must show its sentence and GIMP go on:\n" + log);
        assertTrue(report.contains("mistyped-engine: Atelier fill: --engine: unsupported") && report.contains("patchmatch"),
                "a mistyped engine must name the engines there are:\n" + log);
        assertTrue(report.contains("fill: done"), "the fill did not finish in GIMP:\n" + log);
        assertEquals(List.of(LAYER + " | 0,0 | 640x420 | mask yes", "Background | 0,0 | 640x420 | mask no"),
                report.lines().filter(l -> l.startsWith("layer: ")).map(l -> l.substring(7)).toList(),
                "the layers, top first, with offset, size and whether they have a layer mask:\n" + log);

        // The artist's layer: the picture that was opened, before and after.
        Raster meadow = decode(image);
        assertArrayEquals(meadow.rgba(), decode(OUT.resolve("original-before.png")).rgba(), "GIMP did not open the meadow as expected");
        assertArrayEquals(meadow.rgba(), decode(OUT.resolve("original-after.png")).rgba(), "the artist's layer changed");

        Mask selection = PngCodec.decodeMask(Files.readAllBytes(mask), Long.MAX_VALUE);
        int redBefore = redPixels(meadow, selection);
        assertTrue(redBefore > 2000, "the sample's ball should be red: " + redBefore);
        for (String picture : List.of("result-layer.png", "visible.png")) {
            int redAfter = redPixels(decode(OUT.resolve(picture)), selection);
            assertTrue(redAfter < redBefore / 100, picture + ": the ball is still there: " + redAfter + " of " + redBefore + " red pixels");
        }
        assertUnchangedOutside(meadow, decode(OUT.resolve("visible.png")), selection);
        assertEquals("", leftovers(), "the plug-in left temporary files behind");
    }

    /**
     * Cancel in GIMP's progress: GIMP ends the atelier-gimp helper with SIGKILL, the command the
     * helper started gets SIGTERM (PR_SET_PDEATHSIG) and cancels its job in the daemon. Here the
     * test ends the helper the same way while a fill of a 12 MP picture runs, then asks the daemon:
     * the job is cancelled, GIMP carries on to the end of its script, and no layer was added.
     */
    @Test
    void cancellingInGimpCancelsTheJobInTheDaemon() throws Exception {
        EditorChecks.requireTools("GIMP end-to-end test", List.of("gimp", "make", "cc", "pkg-config"),
                "apt-get install gimp libgimp2.0-dev gcc make pkg-config");
        Path out = OUT.resolveSibling("gimp-e2e-cancel");
        resetOutput(out);
        Path image = temp.resolve("big.png");
        Raster big = Raster.blank(new atelier.daemon.image.Extent(4000, 3000));
        java.util.Random random = new java.util.Random(5);
        byte[] px = big.rgba();
        for (int i = 0; i < px.length; i += 4) {
            int x = (i / 4) % 4000, y = (i / 4) / 4000;
            px[i] = (byte) (x / 16 + random.nextInt(40));
            px[i + 1] = (byte) (y / 12 + random.nextInt(40));
            px[i + 2] = (byte) ((x + y) / 28 + random.nextInt(40));
            px[i + 3] = (byte) 255;
        }
        Files.write(image, PngCodec.encode(big));
        Path profile = gimpProfile();
        Path commandLog = out.resolve("atelier-command.log");
        // The command's own messages go to a file the test reads; exec keeps the helper's death signal on it.
        String command = "sh -c 'exec \"$0\" \"$@\" 2>>" + commandLog + "' " + atelierCommand();
        try (DaemonFixture fixture = new DaemonFixture(temp.resolve("atelier"))) {
            Process gimp = startGimp(profile, fixture.daemon.port(), command,
                    "(atelier-e2e-cancel " + quoted(image) + " " + quoted(out) + ")", out);
            String jobId = null;
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240); jobId == null && System.nanoTime() < deadline; ) {
                Thread.sleep(100);
                java.util.regex.Matcher submitted = java.util.regex.Pattern.compile("job (\\S+) submitted")
                        .matcher(Files.exists(commandLog) ? Files.readString(commandLog) : "");
                jobId = submitted.find() ? submitted.group(1) : null;
            }
            assertTrue(jobId != null, "the fill was never submitted:\n" + tail(out.resolve("gimp.log")));
            List<ProcessHandle> helpers = gimp.descendants()
                    .filter(p -> p.info().command().orElse("").endsWith("atelier-gimp")).toList();
            assertEquals(1, helpers.size(), "one atelier-gimp helper should be running");
            helpers.get(0).destroyForcibly(); // what GIMP does when its progress is cancelled
            awaitGimp(gimp, out);
            try (atelier.bridge.client.AtelierClient client = fixture.client()) {
                atelier.bridge.thrift.JobState state = client.status(jobId).getState();
                for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                     state != atelier.bridge.thrift.JobState.CANCELLED && System.nanoTime() < deadline; ) {
                    Thread.sleep(100);
                    state = client.status(jobId).getState();
                }
                assertEquals(atelier.bridge.thrift.JobState.CANCELLED, state,
                        "the job went on after GIMP cancelled it:\n" + Files.readString(commandLog));
            }
        }
        String report = Files.readString(out.resolve("report.txt"), StandardCharsets.UTF_8);
        assertTrue(Files.readString(commandLog).contains("cancelled job"), Files.readString(commandLog));
        assertTrue(report.contains("fill: Atelier fill: cancelled; nothing was added."), "GIMP must say it was cancelled:\n" + report);
        assertTrue(report.contains("layers: 1") && report.contains("end"), "GIMP must go on and add no layer:\n" + report);
    }

    /**
     * Colorize in GIMP on grey line art by someone else (OpenMoji's fish as a grey image) with
     * the scribbles on a layer of another image: the image becomes RGB, the flats go under the
     * line art, the line art goes on Multiply so the canvas shows them, and its grey is kept.
     */
    @Test
    void colorizeInGimpPutsColourFlatsUnderGreyLineArtThatShowThroughIt() throws Exception {
        EditorChecks.requireTools("GIMP end-to-end test", List.of("gimp", "make", "cc", "pkg-config"),
                "apt-get install gimp libgimp2.0-dev gcc make pkg-config");
        resetOutput();
        EditorChecks.GreyFish greyFish = EditorChecks.greyFish(temp);
        atelier.daemon.flats.RealLineArt fish = greyFish.art();
        Path lines = greyFish.lines();
        Path hints = greyFish.hints();
        Path profile = gimpProfile();
        try (DaemonFixture fixture = new DaemonFixture(temp.resolve("atelier"))) {
            runGimp(profile, fixture.daemon.port(),
                    "(atelier-e2e-colorize " + quoted(lines) + " " + quoted(hints) + " " + quoted(OUT) + ")", "colorize.txt");
        }
        String report = Files.readString(OUT.resolve("colorize.txt"), StandardCharsets.UTF_8);
        String log = report + "\n--- gimp log ---\n" + tail(OUT.resolve("gimp.log"));
        assertTrue(report.contains("base-before: grey"), "GIMP should open the line art as a grey image:\n" + log);
        assertTrue(report.contains("colorize: done"), "the colorize did not finish in GIMP:\n" + log);
        assertTrue(report.contains("base-after: rgb"), "the flats need an RGB image:\n" + log);
        List<String> layers = report.lines().filter(l -> l.startsWith("layer: ")).map(l -> l.substring(7)).toList();
        assertEquals(2, layers.size(), log);
        assertEquals("Background | multiply yes", layers.get(0), "the line art stays on top, on Multiply:\n" + log);
        assertTrue(layers.get(1).startsWith("Atelier colorize") && layers.get(1).endsWith("multiply no"), log);
        assertTrue(Files.readString(OUT.resolve("gimp.log")).contains("now on Multiply"), "GIMP must say what it did:\n" + log);
        assertArrayEquals(decode(OUT.resolve("lines-before.png")).rgba(), decode(OUT.resolve("lines-after.png")).rgba(),
                "the line art's pixels changed");

        EditorChecks.assertFlatsShowOnWhitePaper(fish, decode(OUT.resolve("colorize-visible.png")));
    }

    /**
     * The GIMP 3 plug-in in a real GIMP 3.0.4 (Debian 13's, in a root made by debootstrap and
     * entered with chroot; the daemon runs here, on the loopback they share): the same checks as
     * the 2.10 test, through the plug-in's own procedures in GIMP's batch Python.
     */
    @Test
    void fillSelectionInGimp3AddsAMaskedLayerAndFailingCommandsComeBackAsMessages() throws Exception {
        EditorChecks.requireDebian13Root("gimp-console-3.0");
        Path root = EditorChecks.DEBIAN13;
        Path out = OUT.resolveSibling("gimp3-e2e");
        Path inside = Path.of("/tmp").resolve("atelier-e2e-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        Path e2e = root.resolve(inside.toString().substring(1));
        Path plugIn = Files.createDirectories(e2e.resolve("home/.config/GIMP/3.0/plug-ins/atelier"));
        try {
            try (Stream<Path> files = Files.list(GIMP3.resolve("atelier"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".py")).toList()) {
                    Files.copy(file, plugIn.resolve(file.getFileName()));
                }
            }
            Path common = GIMP3.resolveSibling("../common").normalize();
            Files.copy(common.resolve("atelier_client.py"), plugIn.resolve("atelier_client.py"));
            Files.copy(common.resolve("atelier_layout.py"), plugIn.resolve("atelier_layout.py"));
            Path generated = common.resolveSibling("../bridge/src/generated/py/atelier_thrift").normalize();
            try (Stream<Path> files = Files.walk(generated)) {
                for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.toString().contains("__pycache__")).toList()) {
                    Path target = plugIn.resolve("atelier_thrift").resolve(generated.relativize(file).toString());
                    Files.createDirectories(target.getParent());
                    Files.copy(file, target);
                }
            }
            plugIn.resolve("atelier.py").toFile().setExecutable(true);
            Files.copy(GIMP3.resolve("tests/e2e_fill.py"), e2e.resolve("e2e_fill.py"));
            Files.write(e2e.resolve("meadow-ball.png"), DaemonFixture.sample("meadow-ball.png"));
            Files.write(e2e.resolve("meadow-ball-mask.png"), DaemonFixture.sample("meadow-ball-mask.png"));
            resetOutput(out);
            try (DaemonFixture fixture = new DaemonFixture(temp.resolve("atelier"))) {
                Files.createDirectories(e2e.resolve("atelier/config"));
                Files.copy(fixture.home.tokenFile(), e2e.resolve("atelier/config/token"));
                List<String> command = new java.util.ArrayList<>(EditorChecks.asRoot());
                command.addAll(List.of("chroot", root.toString(), "env", "-i",
                        "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=" + inside.resolve("home"),
                        "ATELIER_HOME=" + inside.resolve("atelier"), "ATELIER_PORT=" + fixture.daemon.port(),
                        "ATELIER_E2E=" + inside, "gimp-console-3.0", "-i", "-n", "--quit",
                        "--batch-interpreter=python-fu-eval", "-b", "exec(open('" + inside.resolve("e2e_fill.py") + "').read())"));
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.resolve("gimp3.log").toFile());
                Process gimp = builder.start();
                if (!gimp.waitFor(300, TimeUnit.SECONDS)) {
                    gimp.descendants().forEach(ProcessHandle::destroyForcibly);
                    gimp.destroyForcibly();
                    fail("GIMP 3 did not finish the scenario in 5 minutes:\n" + tail(out.resolve("gimp3.log")));
                }
            }
            try (Stream<Path> files = Files.list(e2e.resolve("out"))) {
                for (Path file : files.toList()) {
                    Files.copy(file, out.resolve(file.getFileName()));
                }
            }
        } finally {
            EditorChecks.removeTree(e2e);
        }
        String report = Files.readString(out.resolve("report.txt"), StandardCharsets.UTF_8);
        String log = report + "\n--- gimp 3 log ---\n" + tail(out.resolve("gimp3.log"));
        assertTrue(report.contains("version: 3.0") && report.contains("\nend\n"), "the scenario did not run to its end in GIMP 3:\n" + log);
        assertTrue(report.contains("no-selection: execution-error: Invalid request: mask:"), "Fill with no selection must explain:\n" + log);
        assertTrue(report.contains("inpaint-without-model: execution-error: Not available:") && report.contains("atelier models install"),
                "a failing job must come back as its sentence, and GIMP go on:\n" + log);
        assertTrue(report.contains("mistyped-engine: execution-error:") && report.contains("patchmatch"),
                "a mistyped engine must name the engines there are:\n" + log);
        assertTrue(report.contains("fill: done"), "the fill did not finish in GIMP 3:\n" + log);
        List<String> layers = report.lines().filter(l -> l.startsWith("layer: ")).map(l -> l.substring(7)).toList();
        assertEquals(2, layers.size(), log);
        assertTrue(layers.get(0).startsWith(LAYER + " | ") && layers.get(0).endsWith("mask yes"), "the fill layer, with its mask:\n" + log);
        assertEquals("Background | 0,0 | 640x420 | mask no", layers.get(1), log);

        Raster meadow = PngCodec.decodeRgba(DaemonFixture.sample("meadow-ball.png"), Long.MAX_VALUE);
        atelier.daemon.image.Extent extent = meadow.extent();
        assertArrayEquals(meadow.rgba(), Files.readAllBytes(out.resolve("original-before.rgba")), "GIMP 3 did not open the meadow as expected");
        assertArrayEquals(meadow.rgba(), Files.readAllBytes(out.resolve("original-after.rgba")), "the artist's layer changed");
        Mask selection = PngCodec.decodeMask(DaemonFixture.sample("meadow-ball-mask.png"), Long.MAX_VALUE);
        Raster visible = Raster.wrap(extent, Files.readAllBytes(out.resolve("visible.rgba")));
        int redBefore = redPixels(meadow, selection);
        int redAfter = redPixels(visible, selection);
        assertTrue(redBefore > 2000 && redAfter < redBefore / 100, "the ball is still there: " + redAfter + " of " + redBefore);
        assertUnchangedOutside(meadow, visible, selection);
    }

    /** The GIMP 3 plug-in's decisions (no GIMP import), with plain python3 and the shared client. */
    @Test
    void gimp3PlugInLogicPassesItsUnitTests() throws Exception {
        String python = Files.exists(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        ProcessBuilder builder = new ProcessBuilder(python, "-m", "unittest", "discover", "-v", "-s", "tests")
                .directory(GIMP3.toFile()).redirectErrorStream(true);
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process tests = builder.start();
        String log = new String(tests.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tests.waitFor(120, TimeUnit.SECONDS), log);
        assertEquals(0, tests.exitValue(), "the GIMP 3 plug-in's unit tests failed (is python3-thrift installed?):\n" + log);
        assertTrue(log.contains("test_a_fill_lands_on_the_region_at_the_layers_offsets_named_by_seed_and_masked") && !log.contains("skipped"), log);
    }

    private static Raster decode(Path png) throws Exception {
        return PngCodec.decodeRgba(Files.readAllBytes(png), Long.MAX_VALUE);
    }

    private static void resetOutput() throws IOException {
        resetOutput(OUT);
    }

    private static void resetOutput(Path out) throws IOException {
        EditorChecks.removeTree(out);
        Files.createDirectories(out);
    }

    /** GIMP2_DIRECTORY as the installer lays it out: plug-ins/atelier-gimp (built by make) and scripts/*.scm. */
    private Path gimpProfile() throws Exception {
        Path profile = temp.resolve("gimp-profile");
        Path plugIns = Files.createDirectories(profile.resolve("plug-ins"));
        Path scripts = Files.createDirectories(profile.resolve("scripts"));
        Files.createDirectories(profile.resolve("tmp"));
        Process make = new ProcessBuilder("make", "-s", "-B", "-C", GIMP2.resolve("plug-ins").toString(),
                "OUT=" + plugIns.resolve("atelier-gimp"))
                .redirectErrorStream(true).redirectOutput(OUT.resolve("make.log").toFile()).start();
        if (!make.waitFor(120, TimeUnit.SECONDS) || make.exitValue() != 0) {
            fail("building the helper plug-in failed (apt-get install libgimp2.0-dev gcc make pkg-config):\n" + tail(OUT.resolve("make.log")));
        }
        Files.copy(GIMP2.resolve("scripts/atelier.scm"), scripts.resolve("atelier.scm"));
        Files.copy(GIMP2.resolve("tests/e2e-fill.scm"), scripts.resolve("atelier-e2e-fill.scm"));
        Files.copy(GIMP2.resolve("tests/e2e-cancel.scm"), scripts.resolve("atelier-e2e-cancel.scm"));
        return profile;
    }

    private void runGimp(Path profile, int port, String scenario, String reportFile) throws Exception {
        Process gimp = startGimp(profile, port, atelierCommand(), scenario, OUT);
        awaitGimp(gimp, OUT);
        if (!Files.exists(OUT.resolve(reportFile)) || !Files.readString(OUT.resolve(reportFile)).contains("end")) {
            fail("GIMP exited (" + gimp.exitValue() + ") without finishing the scenario:\n" + tail(OUT.resolve("gimp.log")));
        }
    }

    private Process startGimp(Path profile, int port, String command, String scenario, Path out) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("gimp", "-i", "-d", "-f", "-b", scenario, "-b", "(gimp-quit 0)")
                .directory(temp.toFile()).redirectErrorStream(true).redirectOutput(out.resolve("gimp.log").toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("XDG_") || k.startsWith("GIMP") || k.startsWith("ATELIER_") || k.equals("DISPLAY"));
        env.putAll(Map.of("HOME", Files.createDirectories(temp.resolve("home")).toString(),
                "GIMP2_DIRECTORY", profile.toString(), "TMPDIR", profile.resolve("tmp").toString(),
                "LANG", "C.UTF-8", "LC_ALL", "C.UTF-8",
                "ATELIER_HOME", temp.resolve("atelier").toString(), "ATELIER_PORT", String.valueOf(port),
                "ATELIER_COMMAND", command));
        return builder.start();
    }

    private static void awaitGimp(Process gimp, Path out) throws Exception {
        if (!gimp.waitFor(300, TimeUnit.SECONDS)) {
            gimp.descendants().forEach(ProcessHandle::destroyForcibly);
            gimp.destroyForcibly();
            fail("GIMP did not finish the scenario in 5 minutes:\n" + tail(out.resolve("gimp.log")));
        }
    }

    /** GIMP's temporary files (gimp-temp-*, under $TMPDIR/gimp/2.10) still there after the run. */
    private String leftovers() throws IOException {
        try (Stream<Path> files = Files.walk(temp.resolve("gimp-profile/tmp"))) {
            return String.join(", ", files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("gimp-temp-")).toList());
        }
    }

    /** This build's `atelier` command: the test class path holds the bridge's CLI and the engines. */
    private static String atelierCommand() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return "'" + java + "' -cp '" + classPath + "' atelier.bridge.cli.AtelierCommand";
    }

    private static String quoted(Path path) {
        return "\"" + path.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
