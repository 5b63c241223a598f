package atelier.installers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * installers/install.sh as an artist runs it, into a temporary HOME: the daemon's app image, the
 * Krita plugin, the GIMP plug-ins and the systemd user unit land where Krita, GIMP and systemd look;
 * the installed daemon starts and answers; uninstall leaves the HOME exactly as it was.
 *
 * <p>The script runs from a staged view of this checkout (target/install-test/checkout: a copy of
 * install.sh beside links to the real modules), so its GIMP part is exercised with a small fixture
 * tree until editor-plugin/gimp exists, and with the real plug-ins after. jpackage runs once per
 * daemon build (install.sh keeps the app image in engine-daemon/target/app-image). Fails, never
 * skips, when jpackage, systemd-analyze or unzip is missing.
 */
class InstallScriptTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path WORK = Path.of("target/install-test").toAbsolutePath();
    private static final Path CHECKOUT = WORK.resolve("checkout");
    private static final Path SCRIPT = CHECKOUT.resolve("installers/install.sh");
    private static final String APP = ".local/share/atelier/app";

    private static Path gimpSource;

    @TempDir
    Path temp;

    @BeforeAll
    static void stageCheckout() throws IOException {
        List<String> missing = new ArrayList<>();
        if (jpackage() == null) {
            missing.add("jpackage (a full JDK 17: apt-get install openjdk-17-jdk-headless)");
        }
        for (String tool : List.of("systemd-analyze", "unzip", "bash")) {
            if (onPath(tool) == null) {
                missing.add(tool + (tool.equals("systemd-analyze") ? " (apt-get install systemd)" : ""));
            }
        }
        if (!missing.isEmpty()) {
            fail("The installer test needs " + missing + " on PATH");
        }
        for (Path built : List.of(REPO.resolve("engine-daemon/target/atelier.jar"), REPO.resolve("engine-daemon/target/lib"),
                REPO.resolve("editor-plugin/target/atelier-krita.zip"))) {
            if (!Files.exists(built)) {
                fail("No " + built + ": build it first with `mvn -pl installers -am package` (a reactor build does it)");
            }
        }
        deleteTree(WORK);
        Files.createDirectories(CHECKOUT.resolve("installers"));
        Files.copy(REPO.resolve("installers/install.sh"), SCRIPT);
        Files.setPosixFilePermissions(SCRIPT, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String module : List.of("engine-daemon", "bridge", "assets", "editor-plugin/target", "editor-plugin/common",
                "editor-plugin/krita")) {
            Files.createDirectories(CHECKOUT.resolve(module).getParent());
            Files.createSymbolicLink(CHECKOUT.resolve(module), REPO.resolve(module));
        }
        gimpSource = REPO.resolve("editor-plugin/gimp");
        Files.createSymbolicLink(CHECKOUT.resolve("editor-plugin/gimp"), gimpSource);
    }

    @Test
    void installPutsEverythingWhereKritaGimpAndSystemdLookAndUninstallLeavesTheHomeAsItWas() throws Exception {
        Path home = Files.createDirectories(temp.resolve("home"));
        write(home.resolve(".config/kritarc"), "[General]\nLanguage=en\n\n[python]\nenable_other_plugin=true\n\n[MainWindow]\nState=abc\n");
        write(home.resolve(".config/GIMP/2.10/plug-ins/someone-elses-plugin.py"), "#!/usr/bin/env python\n");
        write(home.resolve(".config/atelier/token"), "the-artists-token\n");
        Map<String, String> before = snapshot(home);

        Result install = script(home, "install.log");
        assertEquals(0, install.rc, "install.sh failed:\n" + install.output);

        Path launcher = home.resolve(APP + "/bin/atelier");
        assertTrue(Files.isExecutable(launcher), "no app-image launcher at " + launcher + "\n" + install.output);
        assertTrue(Files.isRegularFile(home.resolve(APP + "/lib/runtime/lib/modules")), "the app image has no Java runtime of its own");
        assertTrue(Files.isRegularFile(home.resolve(APP + "/lib/app/atelier.jar")), "the app image has no atelier.jar");

        Path pykrita = home.resolve(".local/share/krita/pykrita");
        for (String file : List.of("atelier.desktop", "atelier/__init__.py", "atelier/plugin.py", "atelier/atelier_client.py",
                "atelier/atelier_thrift/Atelier.py")) {
            assertTrue(Files.isRegularFile(pykrita.resolve(file)), "Krita looks for " + pykrita.resolve(file));
        }
        String kritarc = Files.readString(home.resolve(".config/kritarc"));
        assertTrue(kritarc.contains("[python]\nenable_atelier=true\nenable_other_plugin=true\n"), "kritarc:\n" + kritarc);
        assertTrue(kritarc.contains("Language=en") && kritarc.contains("State=abc"), "other settings lost:\n" + kritarc);

        assertGimpPlugins(home, launcher);
        assertEquals(before.get(".config/GIMP/2.10/plug-ins/someone-elses-plugin.py"),
                snapshot(home).get(".config/GIMP/2.10/plug-ins/someone-elses-plugin.py"), "another GIMP plug-in was touched");

        Path unit = home.resolve(".config/systemd/user/atelier.service");
        String unitText = Files.readString(unit);
        assertTrue(unitText.contains("ExecStart=\"" + launcher + "\" serve\n"), unitText);
        Result verify = run(List.of("systemd-analyze", "--user", "verify", unit.toString()), env(home), WORK.resolve("verify.log"), 120);
        assertEquals(0, verify.rc, "systemd-analyze --user verify rejects the unit:\n" + verify.output + "\n" + unitText);
        assertTrue(install.output.contains("no user systemd here"), "the test HOME has no user systemd:\n" + install.output);

        daemonAnswers(home, launcher);

        Result uninstall = script(home, "uninstall.log", "--uninstall");
        assertEquals(0, uninstall.rc, "uninstall failed:\n" + uninstall.output);
        assertSameTree(before, snapshot(home), "after --uninstall");

        Result purge = script(home, "purge.log", "--purge");
        assertEquals(0, purge.rc, "purge failed:\n" + purge.output);
        Map<String, String> purged = new TreeMap<>(before);
        purged.keySet().removeIf(p -> p.startsWith(".config/atelier"));
        assertSameTree(purged, snapshot(home), "after --purge (only the token's folder may go)");
    }

    @Test
    void reinstallingReplacesThePreviousInstallAndKritarcLinesArePutBack() throws Exception {
        // A kritarc where the artist had switched the plugin off, an install under a folder with a space.
        Path home = Files.createDirectories(temp.resolve("home"));
        String kritarc = "[python]\nenable_atelier=false\nenable_other_plugin=true\n\n[General]\nLanguage=en\n";
        write(home.resolve(".config/kritarc"), kritarc);
        Map<String, String> before = snapshot(home);
        Path prefix = home.resolve("My Apps/atelier");

        Result first = script(home, "reinstall-1.log", "--no-service", "--no-gimp", "--prefix", prefix.toString());
        assertEquals(0, first.rc, first.output);
        String manifest = Files.readString(home.resolve(".local/share/atelier/installed-files.txt"));
        Result second = script(home, "reinstall-2.log", "--no-service", "--no-gimp", "--prefix", prefix.toString());
        assertEquals(0, second.rc, second.output);
        assertTrue(second.output.contains("replacing the previous install"), second.output);
        assertEquals(manifest, Files.readString(home.resolve(".local/share/atelier/installed-files.txt")), "the manifest grew on reinstall");
        assertTrue(Files.isExecutable(prefix.resolve("bin/atelier")), "no launcher under the chosen prefix");
        assertTrue(Files.readString(home.resolve(".config/kritarc")).startsWith("[python]\nenable_atelier=true\nenable_other_plugin=true\n"));
        assertTrue(!Files.exists(home.resolve(".config/systemd")), "--no-service installed a unit");
        assertTrue(!Files.exists(home.resolve(".config/GIMP")), "--no-gimp installed GIMP plug-ins");

        Result uninstall = script(home, "reinstall-uninstall.log", "--uninstall");
        assertEquals(0, uninstall.rc, uninstall.output);
        assertSameTree(before, snapshot(home), "after --uninstall");
        assertEquals(kritarc, Files.readString(home.resolve(".config/kritarc")), "the artist's enable_atelier=false was not put back");

        // A HOME with nothing at all: kritarc is created, and removed again with everything else.
        Path bare = Files.createDirectories(temp.resolve("bare"));
        Result install = script(bare, "bare-install.log", "--no-service");
        assertEquals(0, install.rc, install.output);
        assertEquals("[python]\nenable_atelier=true\n", Files.readString(bare.resolve(".config/kritarc")));
        Result gone = script(bare, "bare-uninstall.log", "--uninstall");
        assertEquals(0, gone.rc, gone.output);
        assertSameTree(Map.of(), snapshot(bare), "a bare HOME after --uninstall");
    }

    @Test
    void withAUserSystemdTheUnitIsEnabledAndStartedAndUninstallDisablesItFirst() throws Exception {
        // CI containers run no user systemd, so a recording stand-in for systemctl answers as one would.
        Path home = Files.createDirectories(temp.resolve("home"));
        Path bin = Files.createDirectories(temp.resolve("fake-bin"));
        Path calls = temp.resolve("systemctl-calls.txt");
        write(bin.resolve("systemctl"), String.join("\n", "#!/usr/bin/env bash",
                "echo \"$*\" >>\"$SYSTEMCTL_CALLS\"",
                "wants=\"$HOME/.config/systemd/user/default.target.wants\"",
                "case \"$*\" in",
                "  '--user show-environment'|'--user daemon-reload') ;;",
                "  '--user enable --now atelier.service') mkdir -p \"$wants\" && ln -sf ../atelier.service \"$wants/atelier.service\" ;;",
                "  '--user disable --now atelier.service') rm -f \"$wants/atelier.service\" ;;",
                "  *) exit 1 ;;",
                "esac", ""));
        Files.setPosixFilePermissions(bin.resolve("systemctl"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = env(home);
        env.put("PATH", bin + File.pathSeparator + env.get("PATH"));
        env.put("SYSTEMCTL_CALLS", calls.toString());

        Result install = run(command("--no-krita", "--no-gimp"), env, WORK.resolve("systemd-install.log"), 600);
        assertEquals(0, install.rc, install.output);
        assertTrue(install.output.contains("atelier.service enabled and started"), install.output);
        assertTrue(Files.isSymbolicLink(home.resolve(".config/systemd/user/default.target.wants/atelier.service")));
        List<String> installCalls = Files.readAllLines(calls).stream().filter(c -> !c.endsWith("show-environment")).toList();
        assertEquals(List.of("--user daemon-reload", "--user enable --now atelier.service"), installCalls);

        Files.delete(calls);
        Result uninstall = run(command("--uninstall"), env, WORK.resolve("systemd-uninstall.log"), 600);
        assertEquals(0, uninstall.rc, uninstall.output);
        List<String> uninstallCalls = Files.readAllLines(calls).stream().filter(c -> !c.endsWith("show-environment")).toList();
        assertEquals(List.of("--user disable --now atelier.service", "--user daemon-reload"), uninstallCalls);
        assertSameTree(Map.of(), snapshot(home), "after --uninstall");
    }

    /**
     * GIMP 2.10 gets its helper built for this machine, executable, with the installed launcher
     * named beside it (not executable) and the scripts; every GIMP 3 source file is where GIMP looks,
     * with the shared client beside it.
     */
    private static void assertGimpPlugins(Path home, Path launcher) throws IOException {
        Path gimp = home.resolve(".config/GIMP");
        Path helper = gimp.resolve("2.10/plug-ins/atelier-gimp");
        assertTrue(Files.isRegularFile(helper) && Files.isExecutable(helper), "no built GIMP 2.10 helper at " + helper);
        Path command = gimp.resolve("2.10/plug-ins/atelier-command");
        assertEquals(launcher.toString(), Files.readString(command).trim(), "the helper should run the installed launcher");
        assertTrue(!Files.isExecutable(command), "GIMP would try to run atelier-command as a plug-in");
        Map<String, Path> parts = Map.of("gimp2/scripts", gimp.resolve("2.10/scripts"),
                "gimp3/atelier", gimp.resolve("3.0/plug-ins/atelier"));
        for (Map.Entry<String, Path> part : parts.entrySet()) {
            Path source = gimpSource.resolve(part.getKey());
            if (!Files.isDirectory(source)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(source)) {
                for (Path file : files.filter(Files::isRegularFile).filter(p -> !p.toString().contains("__pycache__")).toList()) {
                    Path installed = part.getValue().resolve(source.relativize(file).toString());
                    assertTrue(Files.isRegularFile(installed), "GIMP looks for " + installed);
                    assertEquals(Files.isExecutable(file), Files.isExecutable(installed), "executable bit of " + installed);
                }
            }
        }
        Path gimp3 = gimp.resolve("3.0/plug-ins/atelier");
        assertTrue(Files.isRegularFile(gimp3.resolve("atelier_client.py")), "no shared client beside the GIMP 3 plug-in");
        assertTrue(Files.isRegularFile(gimp3.resolve("atelier_layout.py")), "no shared layout logic beside the GIMP 3 plug-in");
        assertTrue(Files.isRegularFile(gimp3.resolve("atelier_thrift/Atelier.py")), "no generated Thrift code beside the GIMP 3 plug-in");
    }

    /** The installed launcher serves, `status` reaches that daemon, and a fill through OpenCV works in the app's own runtime. */
    private void daemonAnswers(Path home, Path launcher) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> env = env(home);
        env.put("ATELIER_HOME", temp.resolve("atelier-home").toString());
        Path serveLog = WORK.resolve("serve.log");
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "serve", "--port", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(serveLog.toFile()).directory(temp.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Process serve = builder.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.readString(serveLog).contains("listening on 127.0.0.1:" + port)) {
                if (!serve.isAlive() || System.nanoTime() > deadline) {
                    fail("the installed daemon did not start:\n" + Files.readString(serveLog));
                }
                Thread.sleep(200);
            }
            Result status = run(List.of(launcher.toString(), "status", "--port", Integer.toString(port)), env, WORK.resolve("status.log"), 120);
            assertEquals(0, status.rc, status.output);
            assertTrue(status.output.contains(" at 127.0.0.1:" + port), "status did not reach the installed daemon:\n" + status.output);
            assertTrue(status.output.contains("CONTENT_FILL"), status.output);

            Path out = temp.resolve("filled.png");
            Result fill = run(List.of(launcher.toString(), "fill", "--port", Integer.toString(port), "--engine", "telea",
                    "--image", REPO.resolve("assets/samples/meadow-ball.png").toString(),
                    "--mask", REPO.resolve("assets/samples/meadow-ball-mask.png").toString(), "--out", out.toString()),
                    env, WORK.resolve("fill.log"), 300);
            assertEquals(0, fill.rc, "a fill through the installed daemon failed:\n" + fill.output + "\n" + Files.readString(serveLog));
            assertTrue(Files.size(out) > 10_000, "no filled picture");
        } finally {
            serve.descendants().forEach(ProcessHandle::destroy);
            serve.destroy();
            if (!serve.waitFor(30, TimeUnit.SECONDS)) {
                serve.destroyForcibly();
                serve.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private Result script(Path home, String log, String... options) throws Exception {
        return run(command(options), env(home), WORK.resolve(log), 600);
    }

    private static List<String> command(String... options) {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(options));
        return command;
    }

    /**
     * The environment of a user whose HOME is the temporary one: no XDG overrides, no ATELIER_HOME, and an
     * empty XDG_RUNTIME_DIR, so `systemctl --user` finds no manager and the real user's session is never touched.
     */
    private Map<String, String> env(Path home) throws IOException {
        Path runtime = temp.resolve("runtime");
        if (!Files.isDirectory(runtime)) {
            Files.createDirectories(runtime);
            Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        }
        Map<String, String> env = new TreeMap<>();
        env.put("HOME", home.toString());
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("LANG", "C.UTF-8");
        env.put("XDG_RUNTIME_DIR", runtime.toString());
        env.put("TMPDIR", Files.createDirectories(temp.resolve("tmp")).toString());
        Path jpackage = jpackage();
        env.put("JAVA_HOME", jpackage.toAbsolutePath().getParent().getParent().toString());
        return env;
    }

    private Result run(List<String> command, Map<String, String> env, Path log, int seconds) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(temp.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in " + seconds + " s:\n" + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private record Result(int rc, String output) {
    }

    /** Every path under root: folders as "dir", files as their mode and SHA-256, links as their target. */
    private static Map<String, String> snapshot(Path root) throws Exception {
        Map<String, String> tree = new TreeMap<>();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.filter(p -> !p.equals(root)).toList()) {
                String key = root.relativize(path).toString();
                if (Files.isSymbolicLink(path)) {
                    tree.put(key, "link " + Files.readSymbolicLink(path));
                } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    tree.put(key, "dir");
                } else {
                    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
                    tree.put(key, PosixFilePermissions.toString(mode) + " " + HexFormat.of().formatHex(sha.digest(Files.readAllBytes(path))));
                }
            }
        }
        return tree;
    }

    private static void assertSameTree(Map<String, String> expected, Map<String, String> actual, String when) {
        if (expected.equals(actual)) {
            return;
        }
        Set<String> differences = new TreeSet<>();
        for (String path : new TreeSet<>(union(expected.keySet(), actual.keySet()))) {
            String was = expected.get(path);
            String now = actual.get(path);
            if (was == null) {
                differences.add("left behind: " + path);
            } else if (now == null) {
                differences.add("removed: " + path);
            } else if (!was.equals(now)) {
                differences.add("changed: " + path + " (" + was + " -> " + now + ")");
            }
        }
        fail("the HOME is not as it was " + when + ":\n  " + String.join("\n  ", differences));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static Path jpackage() {
        for (String javaHome : new String[] {System.getenv("JAVA_HOME"), System.getProperty("java.home")}) {
            if (javaHome != null && Files.isExecutable(Path.of(javaHome, "bin", "jpackage"))) {
                return Path.of(javaHome, "bin", "jpackage");
            }
        }
        Path onPath = onPath("jpackage");
        return onPath == null ? null : onPath.toAbsolutePath();
    }

    private static Path onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {   // walk does not follow the checkout's links
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
