package atelier.daemon.plugin;

import static org.junit.jupiter.api.Assertions.fail;

import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the editor end-to-end tests judge in a picture an editor saved, and how they find the editor. */
final class EditorChecks {

    private EditorChecks() {
    }

    /** The sample ball's red, counted where the selection is at least half on. */
    static int redPixels(Raster picture, Mask selection) {
        int count = 0;
        for (int y = 0; y < picture.height(); y++) {
            for (int x = 0; x < picture.width(); x++) {
                if (selection.at(x, y) >= 128 && picture.channel(x, y, 0) > 150
                        && picture.channel(x, y, 1) < 100 && picture.channel(x, y, 2) < 100) {
                    count++;
                }
            }
        }
        return count;
    }

    static void assertUnchangedOutside(Raster original, Raster merged, Mask selection) {
        for (int y = 0; y < original.height(); y++) {
            for (int x = 0; x < original.width(); x++) {
                if (selection.at(x, y) == 0) {
                    for (int c = 0; c < 4; c++) {
                        if (original.channel(x, y, c) != merged.channel(x, y, c)) {
                            fail("the picture changed outside the selection at (" + x + ", " + y + ")");
                        }
                    }
                }
            }
        }
    }

    /**
     * Where editor-plugin/gimp/gimp3/tests/debian13-root.sh makes the Debian 13 root with GIMP 3.0
     * and Krita 5.2 (Debian 12 packages GIMP 2.10 and Krita 5.1 only).
     */
    static final Path DEBIAN13 = Path.of(System.getenv().getOrDefault("ATELIER_DEBIAN13_ROOT", "/var/tmp/atelier-debian13"));

    /** Fails (never skips) when the Debian 13 root is missing or lacks {@code program}. */
    static void requireDebian13Root(String program) {
        if (!Files.exists(DEBIAN13.resolve(".atelier-root")) || !Files.isExecutable(DEBIAN13.resolve("usr/bin").resolve(program))) {
            fail("This end-to-end test needs a Debian 13 root with " + program + " in " + DEBIAN13
                    + ": run (as root) editor-plugin/gimp/gimp3/tests/debian13-root.sh, which .ci/run does");
        }
    }

    /** What goes before chroot: nothing as root (CI), else sudo without a prompt. */
    static List<String> asRoot() {
        return "root".equals(System.getProperty("user.name")) ? List.of() : List.of("sudo", "-n");
    }

    static void removeTree(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (java.util.stream.Stream<Path> old = Files.walk(dir)) {
                old.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    /** Fails (never skips) naming what to install when a tool is not on PATH. */
    static void requireTools(String test, List<String> tools, String install) {
        List<String> missing = new ArrayList<>();
        for (String tool : tools) {
            if (onPath(tool) == null) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            fail("The " + test + " needs " + missing + " on PATH: " + install);
        }
    }

    static Path onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no log)";
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }

    /** OpenMoji's fish (CC BY-SA 4.0) as grey line art on white, as a scan gives, and its scribbles, one per colour. */
    record GreyFish(atelier.daemon.flats.RealLineArt art, Path lines, Path hints) {
    }

    /** Renders the fish at 512x512 and writes fish-lines.png (8-bit grey) and fish-hints.png (RGBA) into {@code dir}. */
    static GreyFish greyFish(Path dir) throws Exception {
        atelier.daemon.flats.RealLineArt fish = atelier.daemon.flats.RealLineArt.render(
                atelier.daemon.flats.RealLineArt.CASES.stream().filter(c -> c.file().equals("1F41F")).findFirst().orElseThrow(),
                512);
        Raster lineArt = atelier.daemon.image.Compositing.overWhite(fish.lineArt());
        byte[] grey = new byte[Math.toIntExact(lineArt.extent().pixels())];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = lineArt.rgba()[i * 4 + 1];
        }
        Path lines = dir.resolve("fish-lines.png");
        Path hints = dir.resolve("fish-hints.png");
        Files.write(lines, atelier.daemon.image.PngCodec.encode(Mask.wrap(lineArt.extent(), grey)));
        Files.write(hints, atelier.daemon.image.PngCodec.encode(fish.hints()));
        return new GreyFish(fish, lines, hints);
    }

    /**
     * The flats show on the editor's canvas: inside the fish (away from the scribbles, which are
     * only strokes) over 90 % of the artist's coloured pixels are visibly coloured, and over 99 %
     * of the paper around it is still opaque white.
     */
    static void assertFlatsShowOnWhitePaper(atelier.daemon.flats.RealLineArt fish, Raster canvas) {
        byte[] px = canvas.rgba();
        boolean[] outside = fish.outside();
        long inside = 0, coloured = 0, paper = 0, white = 0;
        for (int i = 0; i < outside.length; i++) {
            if (fish.scored(i) && fish.hints().rgba()[i * 4 + 3] == 0) {
                inside++;
                int r = px[i * 4] & 0xFF, g = px[i * 4 + 1] & 0xFF, b = px[i * 4 + 2] & 0xFF;
                coloured += Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 40 ? 1 : 0;
            }
            if (outside[i]) {
                paper++;
                white += (px[i * 4 + 3] & 0xFF) == 255 && (px[i * 4] & 0xFF) > 240 ? 1 : 0;
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(coloured > 0.9 * inside,
                "the canvas shows colour on " + coloured + " of " + inside + " pixels inside the fish");
        org.junit.jupiter.api.Assertions.assertTrue(white > 0.99 * paper,
                "the paper shows white on " + white + " of " + paper + " pixels");
    }
}
