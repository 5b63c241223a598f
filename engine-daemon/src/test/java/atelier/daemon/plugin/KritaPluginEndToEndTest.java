package atelier.daemon.plugin;

import static atelier.daemon.plugin.EditorChecks.assertUnchangedOutside;
import static atelier.daemon.plugin.EditorChecks.redPixels;
import static atelier.daemon.plugin.EditorChecks.tail;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import atelier.bridge.client.AtelierHome;
import atelier.bridge.client.TrustedServers;
import atelier.daemon.AtelierDaemon;
import atelier.daemon.DaemonFixture;
import atelier.daemon.server.Limits;
import atelier.daemon.image.Mask;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The artist's story in a real Krita: the plugin zip that editor-plugin builds is installed into a
 * temporary HOME, Krita runs under Xvfb against a real daemon, and the plugin's ATELIER_E2E_SCRIPT
 * hook runs editor-plugin/krita/tests/e2e_fill.py: open the meadow, select the ball, press Fill.
 * This test judges what Krita saved. It fails (never skips) when Krita or Xvfb is missing.
 */
class KritaPluginEndToEndTest {

    private static final Path PLUGIN = Path.of("../editor-plugin").toAbsolutePath().normalize();
    private static final Path ZIP = PLUGIN.resolve("target/atelier-krita.zip");
    private static final Path SCENARIO = PLUGIN.resolve("krita/tests/e2e_fill.py");
    private static final Path COLORIZE_SCENARIO = PLUGIN.resolve("krita/tests/e2e_colorize.py");
    private static final Path FLOAT_SCENARIO = PLUGIN.resolve("krita/tests/e2e_float.py");
    private static final Path OUT = Path.of("target/krita-e2e").toAbsolutePath();
    private static final Path COLORIZE_OUT = Path.of("target/krita-e2e-colorize").toAbsolutePath();
    private static final String LAYER = "Atelier fill · seed 1234";

    @TempDir
    Path temp;

    @Test
    void fillInKritaAddsAMaskedLayerThatRemovesTheBallAndLeavesTheArtistsLayerAlone() throws Exception {
        fillInKrita(false, null);
    }

    /**
     * The same Fill against a daemon serving TLS, as one on another machine is reached: Krita's
     * Atelier settings name it, the trusted-servers file holds its certificate and token (what
     * "Trust this daemon…" writes), and the layer is sent as the region the fill reads.
     */
    @Test
    void fillInKritaWorksTheSameAgainstADaemonReachedByTls() throws Exception {
        fillInKrita(true, null);
    }

    /**
     * The same story in Krita 5.2.9, the current Krita (Debian 13's, in the root that
     * debian13-root.sh makes with debootstrap; entered with chroot, the daemon running here on
     * the loopback they share): the transparency mask comes from 5.2's own API.
     */
    @Test
    void fillInKrita52AddsTheSameMaskedLayer() throws Exception {
        EditorChecks.requireDebian13Root("krita");
        fillInKrita(false, EditorChecks.DEBIAN13);
    }

    /** @param root a Debian root whose Krita runs the story (entered with chroot), or null for this machine's Krita */
    private void fillInKrita(boolean remote, Path root) throws Exception {
        Path out = root != null ? OUT.resolveSibling("krita52-e2e") : remote ? OUT.resolveSibling("krita-e2e-tls") : OUT;
        if (root == null) {
            requireTools();
        }
        requireFreshZip();
        resetOutput(out);
        Path image = temp.resolve("meadow-ball.png");
        Path mask = temp.resolve("meadow-ball-mask.png");
        Files.write(image, DaemonFixture.sample("meadow-ball.png"));
        Files.write(mask, DaemonFixture.sample("meadow-ball-mask.png"));
        Path base = root == null ? temp : Files.createTempDirectory(Files.createDirectories(root.resolve("tmp")), "atelier-krita-");
        try {
            Path sentImage = base.resolve(image.getFileName()), sentMask = base.resolve(mask.getFileName());
            if (root != null) {
                Files.copy(image, sentImage);
                Files.copy(mask, sentMask);
            }
            AtelierHome daemonHome = AtelierHome.under(base.resolve("atelier"));
            try (AtelierDaemon daemon = AtelierDaemon.start(new AtelierDaemon.Settings(0, daemonHome, Limits.DEFAULT, 1,
                    java.time.Duration.ofHours(1)).withTls(remote))) {
                Path home = kritaHome(base, root, daemon.port(), remote ? base.resolve("no-token-here") : daemonHome.tokenFile());
                if (remote) {
                    new TrustedServers(home.resolve(".config/atelier/servers.json")).remember("127.0.0.1", daemon.port(),
                            new TrustedServers.Server(daemon.fingerprint(), daemonHome.readToken()));
                }
                runKrita(base, root, home, SCENARIO, out, Map.of("ATELIER_E2E_IMAGE", sentImage, "ATELIER_E2E_MASK", sentMask));
            }
        } finally {
            if (root != null) {
                EditorChecks.removeTree(base);
            }
        }

        String report = Files.readString(out.resolve("report.json"), StandardCharsets.UTF_8);
        String log = report + "\n--- krita log ---\n" + tail(out.resolve("krita.log"));
        assertEquals(remote, report.contains("(TLS)"), "the docker says whether it reached the daemon by TLS:\n" + log);
        // The docker after a result: the artist's layer active again, a new seed for the next press,
        // every engine listed, Inpaint greyed with what to install, no prompt fields without a model.
        assertTrue(report.contains("\"active_after\": \"Background\""), "the artist's layer must stay active:\n" + log);
        assertFalse(report.contains("\"seed_after\": 1234"), "the seed must re-roll after a press:\n" + log);
        assertTrue(report.contains("\"patchmatch\"") && report.contains("\"telea\"") && report.contains("\"flats\""),
                "the engine list shows the embedded engines:\n" + log);
        assertTrue(report.contains("\"inpaint_enabled\": false") && report.contains("Unavailable: "),
                "Inpaint without a model is greyed with the reason:\n" + log);
        assertTrue(report.contains("\"prompt_shown\": false"), "no prompt field without a model:\n" + log);
        // Advanced: folded at first; unfolded, gap closing shows and the model's fields stay hidden without a model.
        assertTrue(report.contains("\"folded_gap\": false") && report.contains("\"folded_steps\": false")
                && report.contains("\"unfolded_gap\": true") && report.contains("\"unfolded_steps\": false")
                && report.contains("\"unfolded_strength\": false"), "the Advanced fold:\n" + log);
        assertTrue(report.contains("\"fill_enabled_after\": true") && report.contains("\"cancel_enabled_after\": false"),
                "after a result the docker is ready for the next press (Fill on, Cancel off):\n" + log);
        assertTrue(report.contains("“Empty” is empty under the selection"), "Fill on an empty layer must say so:\n" + log);
        assertTrue(report.contains("\"outcome\": \"done\""), "the fill did not finish in Krita:\n" + log);
        assertTrue(report.contains("Fill needs a selection"), "Fill with no selection must explain:\n" + log);

        // The artist's layer: byte-identical before and after, and equal to the file that was opened (BGRA in Krita).
        byte[] before = Files.readAllBytes(out.resolve("original-before.bgra"));
        byte[] after = Files.readAllBytes(out.resolve("original-after.bgra"));
        Raster meadow = PngCodec.decodeRgba(Files.readAllBytes(image), Long.MAX_VALUE);
        assertArrayEquals(bgra(meadow.rgba()), before, "Krita did not open the meadow as expected");
        assertArrayEquals(before, after, "the artist's layer changed");

        try (ZipFile kra = new ZipFile(out.resolve("result.kra").toFile())) {
            List<Element> layers = layers(kra);
            assertEquals(List.of(LAYER, "Background"), layers.stream().map(l -> l.getAttribute("name")).toList(), log);
            assertEquals(List.of("transparencymask"), masks(layers.get(0)), "the fill layer's blend mask");
            assertEquals(List.of(), masks(layers.get(1)), "nothing may be added to the artist's layer");

            Raster merged = PngCodec.decodeRgba(read(kra, "mergedimage.png"), Long.MAX_VALUE);
            Mask selection = PngCodec.decodeMask(Files.readAllBytes(mask), Long.MAX_VALUE);
            int redBefore = redPixels(meadow, selection);
            int redAfter = redPixels(merged, selection);
            assertTrue(redBefore > 2000, "the sample's ball should be red: " + redBefore);
            assertTrue(redAfter < redBefore / 100, "the ball is still there: " + redAfter + " of " + redBefore + " red pixels");
            assertUnchangedOutside(meadow, merged, selection);
        }
        assertTrue(Files.size(out.resolve("atelier-docker.png")) > 5_000, "no screenshot of the docker");
    }

    /**
     * Colorize on grey line art drawn by someone else (OpenMoji's fish, a grey document as a
     * scan gives), with a hints layer of one scribble per colour above it: the flats go under the
     * line art, the line art goes on Multiply so the canvas shows them, the layers keep their
     * order, and the line art's pixels do not change.
     */
    @Test
    void colorizeInKritaPutsColourFlatsUnderGreyLineArtThatShowThroughIt() throws Exception {
        requireTools();
        requireFreshZip();
        resetOutput(COLORIZE_OUT);
        EditorChecks.GreyFish greyFish = EditorChecks.greyFish(temp);
        atelier.daemon.flats.RealLineArt fish = greyFish.art();
        Path image = greyFish.lines();
        Path hints = greyFish.hints();

        try (DaemonFixture fixture = new DaemonFixture(temp.resolve("atelier"))) {
            Path home = kritaHome(temp, null, fixture.daemon.port(), temp.resolve("atelier/config/token"));
            runKrita(temp, null, home, COLORIZE_SCENARIO, COLORIZE_OUT, Map.of("ATELIER_E2E_IMAGE", image, "ATELIER_E2E_HINTS", hints));
        }
        String report = Files.readString(COLORIZE_OUT.resolve("report.json"), StandardCharsets.UTF_8);
        String log = report + "\n--- krita log ---\n" + tail(COLORIZE_OUT.resolve("krita.log"));
        assertTrue(report.contains("\"outcome\": \"done\""), "the colorize did not finish in Krita:\n" + log);
        assertTrue(report.contains("GRAYA"), "Krita should open the grey line art as a grey document:\n" + log);
        assertTrue(report.contains("now on Multiply"), "the docker must say what it did to the line layer:\n" + log);
        assertTrue(report.contains("now RGB"), "the docker must say it made the grey document RGB:\n" + log);
        // The line art before is grey (grey, alpha per pixel); after, RGB with every channel the same grey, alpha kept.
        byte[] before = Files.readAllBytes(COLORIZE_OUT.resolve("lines-before.raw"));
        byte[] after = Files.readAllBytes(COLORIZE_OUT.resolve("lines-after.raw"));
        assertEquals(before.length * 2, after.length, "the line art should now be 8-bit RGBA");
        int worst = 0;
        for (int i = 0; i < before.length / 2; i++) {
            for (int c = 0; c < 3; c++) {
                worst = Math.max(worst, Math.abs((after[i * 4 + c] & 0xFF) - (before[i * 2] & 0xFF)));
            }
            worst = Math.max(worst, Math.abs((after[i * 4 + 3] & 0xFF) - (before[i * 2 + 1] & 0xFF)));
        }
        assertTrue(worst <= 1, "the line art's values changed by up to " + worst);

        try (ZipFile kra = new ZipFile(COLORIZE_OUT.resolve("result.kra").toFile())) {
            List<Element> layers = layers(kra);
            List<String> names = layers.stream().map(l -> l.getAttribute("name")).toList();
            assertEquals(3, names.size(), log);
            assertEquals("Hints", names.get(0), "the hints stay on top: " + names);
            assertTrue(names.get(2).startsWith("Atelier colorize"), "the flats go under the line art: " + names);
            assertEquals("multiply", layers.get(1).getAttribute("compositeop"), "the line art is on Multiply");
            assertTrue(layers.get(2).getAttribute("colorspacename").startsWith("RGBA"),
                    "the flats are colour in a grey document: " + layers.get(2).getAttribute("colorspacename"));

            // The canvas shows the fish's colours inside it (hints layer hidden from the count: it is only scribbles).
            EditorChecks.assertFlatsShowOnWhitePaper(fish, PngCodec.decodeRgba(read(kra, "mergedimage.png"), Long.MAX_VALUE));
        }
    }

    /**
     * A 4000x3000 32-bit float document (linear light): Colorize reads the whole layer and adds
     * 12 MP of flats. The docker reads and writes the layer a strip at a time between turns of
     * Krita's event loop, so the window stays live; a 10 ms timer on the UI thread measures the
     * longest freeze, which this test prints (figures are judged by people, not asserted: the
     * machines are noisy; 0.21-0.25 s measured here, from 2.1 s with a projection refresh after adding
     * the layer). Before the numpy conversion, a 4000x3000 expand froze Krita for about 37 s.
     */
    @Test
    void aFloatDocumentIsColourisedWithTheWindowLive() throws Exception {
        requireTools();
        requireFreshZip();
        Path out = OUT.resolveSibling("krita-e2e-float");
        resetOutput(out);
        try (DaemonFixture fixture = new DaemonFixture(temp.resolve("atelier"))) {
            Path home = kritaHome(temp, null, fixture.daemon.port(), temp.resolve("atelier/config/token"));
            runKrita(temp, null, home, FLOAT_SCENARIO, out, Map.of());
        }
        String report = Files.readString(out.resolve("report.json"), StandardCharsets.UTF_8);
        String log = report + "\n--- krita log ---\n" + tail(out.resolve("krita.log"));
        assertTrue(report.contains("\"depth\": \"F32\""), "the document should be 32-bit float:\n" + log);
        assertTrue(report.contains("\"outcome\": \"done\""), "the colorize did not finish in Krita:\n" + log);
        assertTrue(report.contains("Atelier colorize"), "no flats layer was added:\n" + log);
        java.util.regex.Matcher freeze = java.util.regex.Pattern.compile("\"longest_freeze\": ([0-9.]+)").matcher(report);
        assertTrue(freeze.find(), log);
        java.util.regex.Matcher seconds = java.util.regex.Pattern.compile("\"seconds\": ([0-9.]+)").matcher(report);
        assertTrue(seconds.find(), log);
        System.out.printf("Krita 4000x3000 F32 colorize: %s s from press to result, longest UI freeze %s s%n",
                seconds.group(1), freeze.group(1));
    }

    private static void requireTools() {
        EditorChecks.requireTools("Krita end-to-end test", List.of("krita", "xvfb-run"), "apt-get install krita xvfb python3-thrift");
    }

    private static void requireFreshZip() throws IOException {
        if (!Files.exists(ZIP)) {
            fail("No plugin zip at " + ZIP + ": build it with `mvn -pl editor-plugin package` (a reactor build does it first)");
        }
        FileTime built = Files.getLastModifiedTime(ZIP);
        try (Stream<Path> sources = Stream.concat(Files.walk(PLUGIN.resolve("krita/atelier")),
                Stream.of(PLUGIN.resolve("krita/atelier.desktop"), PLUGIN.resolve("common/atelier_client.py"),
                        PLUGIN.resolve("common/atelier_layout.py")))) {
            Path newest = sources.filter(Files::isRegularFile).filter(p -> !p.toString().contains("__pycache__"))
                    .max(Comparator.comparing(KritaPluginEndToEndTest::modified)).orElseThrow();
            if (modified(newest).compareTo(built) > 0) {
                fail(newest + " is newer than " + ZIP + ": rebuild it with `mvn -pl editor-plugin package`");
            }
        }
    }

    private static void resetOutput(Path out) throws IOException {
        if (Files.exists(out)) {
            try (Stream<Path> old = Files.walk(out)) {
                old.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
        Files.createDirectories(out);
    }

    /** A HOME with the plugin unzipped into pykrita, enabled in kritarc, and pointed at the daemon. */
    private static Path kritaHome(Path base, Path root, int port, Path token) throws IOException {
        Path home = base.resolve("home");
        Path pykrita = Files.createDirectories(home.resolve(".local/share/krita/pykrita"));
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(ZIP))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                Path target = pykrita.resolve(entry.getName()).normalize();
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target);
                }
            }
        }
        Files.createDirectories(home.resolve(".config"));
        Files.writeString(home.resolve(".config/kritarc"), String.join("\n",
                "[python]", "enable_atelier=true", "",
                "[atelier]", "host=127.0.0.1", "port=" + port, "token_file=" + seenFrom(root, token), ""));
        return home;
    }

    /**
     * Runs Krita under Xvfb until the scenario has written its report. With a root, Krita runs in
     * it through chroot: the scenario and its helper are copied in, every path is given as seen
     * from inside, and what the scenario writes is copied out to {@code out}.
     */
    private static void runKrita(Path base, Path root, Path home, Path scenario, Path out, Map<String, Path> files)
            throws Exception {
        Path runtime = Files.createDirectories(base.resolve("runtime"));
        runtime.toFile().setExecutable(true, true);
        Path writes = out;
        if (root != null) {
            Path scripts = Files.createDirectories(base.resolve("tests"));
            Files.copy(scenario, scripts.resolve(scenario.getFileName()));
            Files.copy(scenario.resolveSibling("e2e_scenario.py"), scripts.resolve("e2e_scenario.py"));
            scenario = scripts.resolve(scenario.getFileName());
            writes = Files.createDirectories(base.resolve("out"));
        }
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.putAll(Map.of("HOME", seenFrom(root, home), "LANG", "C.UTF-8", "LC_ALL", "C.UTF-8",
                "XDG_RUNTIME_DIR", seenFrom(root, runtime),
                "ATELIER_E2E_SCRIPT", seenFrom(root, scenario), "ATELIER_E2E_OUT", seenFrom(root, writes)));
        files.forEach((name, file) -> env.put(name, seenFrom(root, file)));
        List<String> krita = List.of("xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", "krita", "--nosplash");
        ProcessBuilder builder;
        if (root == null) {
            builder = new ProcessBuilder(krita);
            builder.environment().keySet().removeIf(k -> k.startsWith("XDG_") || k.startsWith("PYTHON") || k.equals("ATELIER_HOME"));
            builder.environment().putAll(env);
        } else {
            List<String> command = new ArrayList<>(EditorChecks.asRoot());
            command.addAll(List.of("chroot", root.toString(), "env", "-i", "PATH=/usr/bin:/bin"));
            env.forEach((name, value) -> command.add(name + "=" + value));
            command.addAll(krita);
            builder = new ProcessBuilder(command);
        }
        builder.redirectErrorStream(true).redirectOutput(out.resolve("krita.log").toFile());
        Process process = builder.start();
        boolean finished = process.waitFor(300, TimeUnit.SECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        if (root != null) {
            try (Stream<Path> written = Files.list(writes)) {
                for (Path file : written.toList()) {
                    Files.copy(file, out.resolve(file.getFileName()));
                }
            }
        }
        if (!finished) {
            fail("Krita did not finish the scenario in 5 minutes:\n" + tail(out.resolve("krita.log")));
        }
        Path error = out.resolve("script-error.txt");
        if (Files.exists(error)) {
            fail("the scenario script failed inside Krita:\n" + Files.readString(error));
        }
        if (!Files.exists(out.resolve("report.json"))) {
            fail("Krita exited (" + process.exitValue() + ") without running the scenario; is the plugin enabled?\n"
                    + tail(out.resolve("krita.log")));
        }
    }

    /** A path as a process inside {@code root} sees it (itself without a root). */
    private static String seenFrom(Path root, Path path) {
        return root == null ? path.toString() : "/" + root.relativize(path);
    }

    private static List<Element> layers(ZipFile kra) throws Exception {
        try (InputStream xml = kra.getInputStream(kra.getEntry("maindoc.xml"))) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            // maindoc.xml names a DTD on www.calligra.org: never fetch it.
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            NodeList nodes = factory.newDocumentBuilder().parse(xml).getElementsByTagName("layer");
            List<Element> found = new ArrayList<>();
            for (int i = 0; i < nodes.getLength(); i++) {
                found.add((Element) nodes.item(i));
            }
            return found;
        }
    }

    private static List<String> masks(Element layer) {
        NodeList nodes = layer.getElementsByTagName("mask");
        List<String> types = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            types.add(((Element) nodes.item(i)).getAttribute("nodetype"));
        }
        return types;
    }

    private static byte[] read(ZipFile zip, String name) throws IOException {
        ZipEntry entry = zip.getEntry(name);
        assertTrue(entry != null, "no " + name + " in the saved document");
        try (InputStream in = zip.getInputStream(entry)) {
            return in.readAllBytes();
        }
    }

    private static byte[] bgra(byte[] rgba) {
        byte[] out = rgba.clone();
        for (int i = 0; i < out.length; i += 4) {
            out[i] = rgba[i + 2];
            out[i + 2] = rgba[i];
        }
        return out;
    }

    private static FileTime modified(Path path) {
        try {
            return Files.getLastModifiedTime(path);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
