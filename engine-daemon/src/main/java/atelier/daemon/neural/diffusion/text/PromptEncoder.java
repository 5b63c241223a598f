package atelier.daemon.neural.diffusion.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.net.TextEncoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt text to the UNet's conditioning: CLIP's tokenizer, then the text encoder. Prompts
 * go through as one batch (the prompt and the negative prompt of a guided run share one
 * network call). The empty prompt is an ordinary prompt, start and end tokens only: it is
 * SD 1.5's unconditional input.
 */
public final class PromptEncoder {

    private final ClipTokenizer tokenizer;
    private final TextEncoder encoder;
    private volatile TextualInversions embeddings = TextualInversions.NONE;

    public PromptEncoder(ClipTokenizer tokenizer, TextEncoder encoder) {
        this.tokenizer = tokenizer;
        this.encoder = encoder;
    }

    /** The textual-inversion embeddings prompts may name from now on. */
    public void useEmbeddings(TextualInversions embeddings) {
        this.embeddings = embeddings;
    }

    public TextualInversions embeddings() {
        return embeddings;
    }

    /**
     * A batch of prompts, encoded.
     *
     * @param hiddenStates (prompts, 77, textWidth), in {@code manager}
     * @param tokens each prompt's tokens, in order, with what was cut off
     */
    public record Encoded(NDArray hiddenStates, List<PromptTokens> tokens) {

        public Encoded {
            tokens = List.copyOf(tokens);
        }

        /** Whether some prompt lost tokens to CLIP's 77-token limit. */
        public boolean truncated() {
            return tokens.stream().anyMatch(PromptTokens::truncated);
        }

        /**
         * A sentence for the painter per cut prompt, empty when nothing was cut:
         * "prompt 1 is 6 tokens too long for CLIP's 75; ignored: 'a red hat'".
         */
        public List<String> truncationNotices() {
            List<String> notices = new ArrayList<>();
            for (int i = 0; i < tokens.size(); i++) {
                PromptTokens t = tokens.get(i);
                if (t.truncated()) {
                    notices.add("prompt " + (i + 1) + " is " + t.droppedTokens() + " token" + (t.droppedTokens() == 1 ? "" : "s")
                            + " too long for CLIP's " + (ClipTokenizer.CONTEXT_LENGTH - 2) + "; ignored: '"
                            + String.join(" ", t.droppedWords()) + "'");
                }
            }
            return notices;
        }
    }

    /** @param prompts one or more prompts; "" is the unconditional input */
    public Encoded encode(NDManager manager, List<String> prompts) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompt to encode");
        }
        // Embeddings' placeholders are numbered on from the vocabulary across the whole batch.
        List<TextualInversions.Embedding> used = new java.util.ArrayList<>();
        int vocabulary = encoder.widths().textVocab();
        List<PromptTokens> tokens = new java.util.ArrayList<>();
        for (String prompt : prompts) {
            tokens.add(tokenizer.encode(prompt, embeddings, vocabulary + rows(used), used));
        }
        int[] ids = new int[tokens.size() * ClipTokenizer.CONTEXT_LENGTH];
        for (int i = 0; i < tokens.size(); i++) {
            System.arraycopy(tokens.get(i).ids(), 0, ids, i * ClipTokenizer.CONTEXT_LENGTH, ClipTokenizer.CONTEXT_LENGTH);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray idArray = scope.create(ids, new Shape(tokens.size(), ClipTokenizer.CONTEXT_LENGTH));
            NDArray hidden = encoder.encode(idArray, 1, used.isEmpty() ? null : vectors(scope, used));
            hidden.attach(manager);
            return new Encoded(hidden, tokens);
        }
    }

    private static int rows(List<TextualInversions.Embedding> used) {
        return used.stream().mapToInt(e -> e.vectors().length).sum();
    }

    /** The embeddings' vectors one after another: the rows the placeholders stand for. */
    public static NDArray vectors(NDManager manager, List<TextualInversions.Embedding> used) {
        int width = used.get(0).vectors()[0].length;
        float[] all = new float[rows(used) * width];
        int row = 0;
        for (TextualInversions.Embedding embedding : used) {
            for (float[] vector : embedding.vectors()) {
                System.arraycopy(vector, 0, all, row++ * width, width);
            }
        }
        return manager.create(all, new Shape(row, width));
    }

    public Encoded encode(NDManager manager, String... prompts) {
        return encode(manager, List.of(prompts));
    }
}
