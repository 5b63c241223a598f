package atelier.daemon.neural.diffusion.text;

import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.TensorInfo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Textual-inversion embeddings ("EasyNegative", a house style, a character) from a folder of
 * {@code .safetensors} files, each a few learned token vectors under one key: {@code emb_params}
 * (A1111), {@code clip_l} (the CLIP-L part of an SDXL-style file) or {@code string_to_param.*}
 * (A1111's .pt layout, converted). A prompt uses one by its file name as a word (A1111) or as
 * {@code embedding:name} (ComfyUI). A .pt or .bin file is a Python pickle, which could run code
 * when read: it is never opened, and is listed as unusable with what to do.
 */
public final class TextualInversions {

    /** No embeddings. */
    public static final TextualInversions NONE = new TextualInversions(Map.of(), List.of());

    /** One embedding: its name as the prompt writes it, and its vectors (n, width). */
    public record Embedding(String name, float[][] vectors) {
    }

    private final Map<String, Embedding> byName;
    private final List<String> unusable;

    private TextualInversions(Map<String, Embedding> byName, List<String> unusable) {
        this.byName = byName;
        this.unusable = unusable;
    }

    /**
     * The embeddings of {@code folder} whose vectors are {@code width} wide (the text encoder's).
     * A missing folder has none; a file that cannot be used is skipped and said why in {@link #unusable()}.
     */
    public static TextualInversions load(Path folder, int width) throws IOException {
        if (folder == null || !Files.isDirectory(folder)) {
            return NONE;
        }
        Map<String, Embedding> byName = new LinkedHashMap<>();
        List<String> unusable = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                int dot = fileName.lastIndexOf('.');
                String name = dot > 0 ? fileName.substring(0, dot) : fileName;
                String extension = dot > 0 ? fileName.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
                if (extension.equals("pt") || extension.equals("bin")) {
                    unusable.add(fileName + ": a Python pickle, which Atelier never opens (it can run code):"
                            + " convert it to .safetensors");
                } else if (extension.equals("safetensors")) {
                    try {
                        byName.put(name.toLowerCase(Locale.ROOT), new Embedding(name, vectors(file, width)));
                    } catch (IOException | IllegalArgumentException e) {
                        unusable.add(fileName + ": " + e.getMessage());
                    }
                }
            }
        }
        return new TextualInversions(Map.copyOf(byName), List.copyOf(unusable));
    }

    private static float[][] vectors(Path file, int width) throws IOException {
        Safetensors embedding = Safetensors.open(file);
        TensorInfo tensor = null;
        for (TensorInfo t : embedding.tensors()) {
            if (t.name().equals("emb_params") || t.name().equals("clip_l") || t.name().startsWith("string_to_param.")) {
                tensor = t;
            }
        }
        if (tensor == null) {
            throw new IllegalArgumentException("no emb_params, clip_l or string_to_param key: not a textual-inversion embedding");
        }
        long rows = tensor.rank() == 1 ? 1 : tensor.dim(0);
        if (tensor.rank() > 2 || tensor.dim(tensor.rank() - 1) != width) {
            throw new IllegalArgumentException(tensor.name() + " is " + tensor.shapeList() + ": vectors " + width
                    + " wide are needed (this model's text encoder)");
        }
        float[] values = embedding.floats(tensor.name());
        float[][] vectors = new float[(int) rows][width];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(values, r * width, vectors[r], 0, width);
        }
        return vectors;
    }

    /** The embedding a prompt word names (case does not matter, as prompts are cleaned to lower case), or null. */
    public Embedding named(String word) {
        return byName.get(word.toLowerCase(Locale.ROOT));
    }

    public Collection<Embedding> all() {
        return byName.values();
    }

    /** Files that are in the folder but cannot be used, each with why. */
    public List<String> unusable() {
        return unusable;
    }
}
