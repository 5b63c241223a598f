package atelier.daemon.neural.diffusion.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A .safetensors file that cannot be read as one; the message names the file and what in it is wrong. */
public final class SafetensorsException extends IOException {

    public SafetensorsException(Path file, String problem) {
        super(file.getFileName() + ": " + problem);
    }

    public SafetensorsException(Path file, String problem, Throwable cause) {
        super(file.getFileName() + ": " + problem, cause);
    }
}
