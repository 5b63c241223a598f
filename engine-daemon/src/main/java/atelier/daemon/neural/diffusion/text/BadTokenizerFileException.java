package atelier.daemon.neural.diffusion.text;

import java.io.IOException;
import java.nio.file.Path;

/** A tokenizer file that is missing or cannot be read as one; the message names the file and what is wrong. */
public final class BadTokenizerFileException extends IOException {

    private final transient Path file;

    public BadTokenizerFileException(Path file, String problem) {
        this(file, problem, null);
    }

    public BadTokenizerFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file (or folder) at fault. */
    public Path file() {
        return file;
    }
}
