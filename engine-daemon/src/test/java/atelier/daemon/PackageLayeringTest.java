package atelier.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The daemon's packages use only the packages below them (docs/DESIGN.md, "Packages"): read
 * from the compiled classes, so an import, a fully qualified name or a method signature all
 * count. A package that is not in {@link #MAY_USE} fails too, so a new one gets a rule.
 */
class PackageLayeringTest {

    private static final String ROOT = "atelier.daemon";
    private static final String DIFFUSION = "neural.diffusion";

    /** Each package, relative to atelier.daemon, and the daemon packages it may use besides itself. */
    static final Map<String, Set<String>> MAY_USE = Map.ofEntries(
            Map.entry("image", Set.of()),
            Map.entry("jobs", Set.of("image")),
            Map.entry("ops", Set.of("image", "jobs")),
            Map.entry("classic", Set.of("image", "jobs", "ops")),
            Map.entry("server", Set.of("image", "jobs", "ops")),
            Map.entry(DIFFUSION + ".checkpoint", Set.of()),
            Map.entry(DIFFUSION + ".net", Set.of(DIFFUSION + ".checkpoint")),
            Map.entry(DIFFUSION + ".text", Set.of(DIFFUSION + ".checkpoint", DIFFUSION + ".net")),
            Map.entry(DIFFUSION + ".sampling", Set.of("image", "jobs")),
            Map.entry(DIFFUSION + ".pipeline", Set.of("image", "jobs", "classic", DIFFUSION + ".checkpoint",
                    DIFFUSION + ".net", DIFFUSION + ".text", DIFFUSION + ".sampling")),
            Map.entry(DIFFUSION, Set.of("image", "jobs", "ops", DIFFUSION + ".checkpoint", DIFFUSION + ".net",
                    DIFFUSION + ".text", DIFFUSION + ".sampling", DIFFUSION + ".pipeline")),
            Map.entry("neural.isnet", Set.of("image", "jobs", "ops", "classic")),
            Map.entry("neural", Set.of("image", "jobs", "ops", "neural.isnet", DIFFUSION, DIFFUSION + ".checkpoint",
                    DIFFUSION + ".text")),
            // The start-up wiring: the one place that sees every package.
            Map.entry("", Set.of("image", "jobs", "ops", "classic", "server", "neural", "neural.isnet", DIFFUSION,
                    DIFFUSION + ".sampling")));

    private static final Pattern DAEMON_CLASS = Pattern.compile("atelier/daemon/((?:[a-z0-9_]+/)*)[A-Za-z0-9_$]+");

    @Test
    void everyPackageUsesOnlyThePackagesBelowIt() throws IOException {
        Map<String, Set<String>> uses = packageUses(Path.of("target/classes"));
        List<String> wrong = violations(uses);
        assertTrue(wrong.isEmpty(), "packages that use what they should not:\n  " + String.join("\n  ", wrong));
    }

    @Test
    void everyPackageHasARule() throws IOException {
        Set<String> unknown = new TreeSet<>(packageUses(Path.of("target/classes")).keySet());
        unknown.removeAll(MAY_USE.keySet());
        assertEquals(Set.of(), unknown, "packages with no layering rule: add them to MAY_USE and docs/DESIGN.md");
    }

    @Test
    void aBackwardArrowIsCaught() {
        // The check itself: ops reaching into an engine package is exactly what it must refuse.
        List<String> wrong = violations(Map.of("ops", Set.of("image", "classic"), "image", Set.of()));
        assertEquals(List.of("ops -> classic"), wrong);
    }

    static List<String> violations(Map<String, Set<String>> uses) {
        List<String> wrong = new ArrayList<>();
        uses.forEach((from, used) -> {
            Set<String> allowed = MAY_USE.getOrDefault(from, Set.of());
            for (String to : used) {
                if (!to.equals(from) && !allowed.contains(to)) {
                    wrong.add((from.isEmpty() ? ROOT : from) + " -> " + (to.isEmpty() ? ROOT : to));
                }
            }
        });
        wrong.sort(null);
        return wrong;
    }

    /** For each daemon package (relative name), the daemon packages its classes refer to. */
    static Map<String, Set<String>> packageUses(Path classes) throws IOException {
        Path top = classes.resolve("atelier/daemon");
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(top)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String from = relative(top.relativize(file.getParent()).toString().replace('/', '.'));
                Set<String> used = uses.computeIfAbsent(from, k -> new TreeSet<>());
                for (String text : constantStrings(Files.readAllBytes(file))) {
                    Matcher m = DAEMON_CLASS.matcher(text);
                    while (m.find()) {
                        used.add(relative(m.group(1).replace('/', '.')));
                    }
                }
            }
        }
        return uses;
    }

    private static String relative(String dotted) {
        return dotted.endsWith(".") ? dotted.substring(0, dotted.length() - 1) : dotted;
    }

    /**
     * The UTF-8 entries of a class file's constant pool (JVMS 4.4): every class name, field and
     * method descriptor and signature the class mentions is one of them.
     */
    static List<String> constantStrings(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        List<String> strings = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> strings.add(in.readUTF());
                case 7, 8, 16, 19, 20 -> in.skipBytes(2);
                case 15 -> in.skipBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                case 5, 6 -> {
                    in.skipBytes(8);
                    i++; // longs and doubles take two slots
                }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        return strings;
    }
}
