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

    /** Most chunks one prompt may take: 8 x 75 tokens, far more than any prompt field holds. */
    public static final int MAX_CHUNKS = 8;
    /** A word of at most this many tokens is not split across chunks (ComfyUI's rule). */
    static final int KEEP_WHOLE = 8;

    /** A prompt's ids in chunks of 77 (start, 75 tokens, end, end padding) and each id's emphasis. */
    record Chunks(List<int[]> ids, List<float[]> weights, List<TextualInversions.Embedding> used, int droppedTokens) {
    }

    /** Cuts a prompt into chunks, keeping short words whole, as ComfyUI and A1111 read long prompts. */
    Chunks chunks(String prompt, int firstPlaceholder) {
        int room = ClipTokenizer.CONTEXT_LENGTH - 2;
        List<int[]> ids = new ArrayList<>();
        List<float[]> weights = new ArrayList<>();
        List<TextualInversions.Embedding> used = new ArrayList<>();
        int[] next = {firstPlaceholder};
        List<Integer> chunkIds = new ArrayList<>();
        List<Float> chunkWeights = new ArrayList<>();
        int dropped = 0;
        for (PromptWeights.Segment segment : PromptWeights.parse(prompt)) {
            for (int[] word : tokenizer.words(segment.text(), embeddings, next, used)) {
                if (chunkIds.size() + word.length > room && word.length <= KEEP_WHOLE && !chunkIds.isEmpty()) {
                    close(chunkIds, chunkWeights, ids, weights);
                }
                for (int id : word) {
                    if (chunkIds.size() == room) {
                        close(chunkIds, chunkWeights, ids, weights);
                    }
                    if (ids.size() == MAX_CHUNKS) {
                        dropped++;
                        continue;
                    }
                    chunkIds.add(id);
                    chunkWeights.add((float) segment.weight());
                }
            }
        }
        if (!chunkIds.isEmpty() || ids.isEmpty()) {
            close(chunkIds, chunkWeights, ids, weights);
        }
        return new Chunks(ids, weights, used, dropped);
    }

    private void close(List<Integer> chunkIds, List<Float> chunkWeights, List<int[]> ids, List<float[]> weights) {
        if (ids.size() == MAX_CHUNKS) {
            return;
        }
        int[] chunk = new int[ClipTokenizer.CONTEXT_LENGTH];
        float[] weight = new float[ClipTokenizer.CONTEXT_LENGTH];
        java.util.Arrays.fill(chunk, tokenizer.endId());
        java.util.Arrays.fill(weight, 1f);
        chunk[0] = tokenizer.startId();
        for (int i = 0; i < chunkIds.size(); i++) {
            chunk[1 + i] = chunkIds.get(i);
            weight[1 + i] = chunkWeights.get(i);
        }
        ids.add(chunk);
        weights.add(weight);
        chunkIds.clear();
        chunkWeights.clear();
    }

    /**
     * A prompt and a negative prompt as guidance wants them: each with its emphasis, embeddings
     * and as many 77-token chunks as it needs, concatenated along the sequence, the shorter one
     * padded with the empty prompt's states so both have one length.
     *
     * @param clipSkip 1 for the last layer, 2 for the one before ("clip skip 2")
     * @return the two hidden states (1, 77 x chunks, width) each, in {@code manager}, and notices of what was cut
     */
    public Pair encodePair(NDManager manager, String prompt, String negative, int clipSkip) {
        int vocabulary = encoder.widths().textVocab();
        Chunks positive = chunks(prompt, vocabulary);
        Chunks negativeChunks = chunks(negative, vocabulary + rows(positive.used()));
        List<TextualInversions.Embedding> used = new ArrayList<>(positive.used());
        used.addAll(negativeChunks.used());
        try (NDManager scope = manager.newSubManager()) {
            NDArray extra = used.isEmpty() ? null : vectors(scope, used);
            NDArray empty = encodeChunks(scope, chunks("", vocabulary), extra, clipSkip, null);
            int chunks = Math.max(positive.ids().size(), negativeChunks.ids().size());
            NDArray cond = encodeChunks(scope, positive, extra, clipSkip, empty);
            NDArray uncond = encodeChunks(scope, negativeChunks, extra, clipSkip, empty);
            NDArray condOut = padTo(cond, empty, chunks);
            NDArray uncondOut = padTo(uncond, empty, chunks);
            condOut.attach(manager);
            uncondOut.attach(manager);
            List<String> notices = new ArrayList<>();
            if (positive.droppedTokens() > 0) {
                notices.add("the prompt is " + positive.droppedTokens() + " tokens past " + MAX_CHUNKS * 75 + "; they were ignored");
            }
            if (negativeChunks.droppedTokens() > 0) {
                notices.add("the negative prompt is " + negativeChunks.droppedTokens() + " tokens past " + MAX_CHUNKS * 75
                        + "; they were ignored");
            }
            return new Pair(condOut, uncondOut, notices);
        }
    }

    /** The encoded prompt and negative prompt, and what was cut from them. */
    public record Pair(NDArray conditioning, NDArray unconditional, List<String> notices) {
    }

    /**
     * Every chunk through the text encoder in one batch, emphasis applied ComfyUI's way (each
     * token's state moved away from the empty prompt's by its weight), then the chunks side by side.
     */
    private NDArray encodeChunks(NDManager scope, Chunks chunks, NDArray extra, int clipSkip, NDArray empty) {
        int k = chunks.ids().size();
        int[] ids = new int[k * ClipTokenizer.CONTEXT_LENGTH];
        float[] weights = new float[k * ClipTokenizer.CONTEXT_LENGTH];
        boolean weighted = false;
        for (int c = 0; c < k; c++) {
            System.arraycopy(chunks.ids().get(c), 0, ids, c * ClipTokenizer.CONTEXT_LENGTH, ClipTokenizer.CONTEXT_LENGTH);
            System.arraycopy(chunks.weights().get(c), 0, weights, c * ClipTokenizer.CONTEXT_LENGTH, ClipTokenizer.CONTEXT_LENGTH);
        }
        for (float w : weights) {
            weighted |= w != 1f;
        }
        NDArray z = encoder.encode(scope.create(ids, new Shape(k, ClipTokenizer.CONTEXT_LENGTH)), clipSkip, extra);
        if (weighted && empty != null) {
            NDArray w = scope.create(weights, new Shape(k, ClipTokenizer.CONTEXT_LENGTH, 1)).toType(z.getDataType(), false);
            z = z.sub(empty).mul(w).add(empty);
        }
        return z.reshape(1, (long) k * ClipTokenizer.CONTEXT_LENGTH, z.getShape().get(2));
    }

    private static NDArray padTo(NDArray states, NDArray empty, int chunks) {
        long have = states.getShape().get(1) / ClipTokenizer.CONTEXT_LENGTH;
        NDArray out = states;
        for (long c = have; c < chunks; c++) {
            out = out.concat(empty, 1);
        }
        return out;
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
