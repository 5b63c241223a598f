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
}
