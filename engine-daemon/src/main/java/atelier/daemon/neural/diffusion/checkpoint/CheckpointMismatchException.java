package atelier.daemon.neural.diffusion.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A readable safetensors file that is not the model asked for; the message names the key at fault. */
public final class CheckpointMismatchException extends IOException {

    public CheckpointMismatchException(Path file, String problem) {
        super(file.getFileName() + ": " + problem);
    }
}
