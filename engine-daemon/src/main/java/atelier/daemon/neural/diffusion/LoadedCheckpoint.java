package atelier.daemon.neural.diffusion;

import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import atelier.daemon.neural.diffusion.text.TextualInversions;
import atelier.daemon.neural.diffusion.pipeline.Sd15Model;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The one SD 1.5 checkpoint kept in memory (about 4 GB in fp32): loaded on the first request
 * that needs it and kept for the next; a request for another checkpoint unloads it first, so
 * the daemon never holds two. Requests for the same model reuse it without reloading.
 */
public final class LoadedCheckpoint implements AutoCloseable {

    private final Path tokenizerFolder;
    private final Path embeddingsFolder;
    private final Sd15Widths architecture;
    private Sd15Model model;
    private Path file;

    /**
     * @param tokenizerFolder tokenizer files installed in the model directory, or null for the one inside Atelier
     * @param embeddingsFolder the textual-inversion embeddings prompts may name (MODELS/embeddings), or null
     * @param architecture the head and group counts no file shows: Sd15Widths.SD15, or a tiny test model's
     */
    public LoadedCheckpoint(Path tokenizerFolder, Path embeddingsFolder, Sd15Widths architecture) {
        this.tokenizerFolder = tokenizerFolder;
        this.embeddingsFolder = embeddingsFolder;
        this.architecture = architecture;
    }

    /** The model in {@code checkpoint}, loading it (and unloading another) when it is not the one held. */
    public synchronized Sd15Model model(String name, Path checkpoint) throws IOException {
        if (model != null && checkpoint.equals(file)) {
            return model;
        }
        close();
        model = Sd15Model.load(name, checkpoint, tokenizerFolder, architecture, TorchRuntime.detect());
        model.prompts().useEmbeddings(TextualInversions.load(embeddingsFolder, model.widths().textWidth()));
        // TAESD for live previews when the model directory has it (MODELS/taesd/taesd_decoder.safetensors).
        Path taesd = embeddingsFolder == null ? null : embeddingsFolder.resolveSibling("taesd").resolve("taesd_decoder.safetensors");
        if (taesd != null && java.nio.file.Files.isRegularFile(taesd)) {
            model.usePreviewDecoder(taesd);
        }
        file = checkpoint;
        return model;
    }

    @Override
    public synchronized void close() {
        if (model != null) {
            model.close();
            model = null;
            file = null;
        }
    }
}
