package atelier.daemon.neural.diffusion;

import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.nio.file.Files;
import java.nio.file.Path;

/** The project's shared reference folder (../shared/reference) for tests that load its tiny checkpoints. */
public final class ReferenceData {

    /** Beside the project; engine-daemon runs its tests from its own directory. */
    public static final Path FOLDER = Path.of("../../shared/reference").toAbsolutePath().normalize();

    private ReferenceData() {
    }

    /** A file of the folder, which must be there: CI runs with ../shared beside the checkout. */
    public static Path file(String name) {
        Path file = FOLDER.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("the reference data is missing: " + file);
        }
        return file;
    }

    /** The widths, head and group counts its generation.json states, with 4 UNet input channels. */
    public static Sd15Widths widths() throws ReferenceCases.UnreadableFolder {
        return new ReferenceCases(FOLDER).widths(4);
    }
}
