package atelier.daemon.neural.diffusion.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's byte-level BPE tokenizer, as SD 1.5's text encoder was trained with it: the
 * rules of Hugging Face's {@code CLIPTokenizer} without ftfy. The text is cleaned (control
 * characters dropped, whitespace collapsed, NFC, lower case), split into words, numbers
 * digit by digit and punctuation runs, each piece written in {@link ByteLevelAlphabet}
 * symbols and merged by the BPE rules, the last symbol of a piece carrying {@code </w>}.
 * Read from the tokenizer files that come with a model (see {@link TokenizerFiles}).
 * Thread-safe: jobs share one.
 */
public final class ClipTokenizer {

    /** The text encoder's fixed input length. */
    public static final int CONTEXT_LENGTH = 77;
    static final String START = "<|startoftext|>";
    static final String END = "<|endoftext|>";
    static final String END_OF_WORD = "</w>";

    /** CLIP's pre-tokenizer: special tokens, English contractions, letter runs, single digits, other non-space runs. */
    private static final Pattern PIECES = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CHARACTER_CLASS);

    /** Enough for every word of a long session; a bound, so odd prompts cannot grow the daemon without end. */
    private static final int CACHE_LIMIT = 50_000;

    private final Map<String, Integer> vocabulary;
    private final Map<String, Integer> mergeRanks;
    private final int startId;
    private final int endId;
    private final Map<String, String[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocabulary token to id
     * @param merges BPE merge rules, highest priority first, each the two symbols it joins
     * @param source the file the vocabulary came from, for the error when it lacks the special tokens
     */
    ClipTokenizer(Map<String, Integer> vocabulary, List<String[]> merges, Path source) throws BadTokenizerFileException {
        this.vocabulary = Map.copyOf(vocabulary);
        Map<String, Integer> ranks = new java.util.HashMap<>();
        for (int rank = 0; rank < merges.size(); rank++) {
            ranks.putIfAbsent(pairKey(merges.get(rank)[0], merges.get(rank)[1]), rank);
        }
        this.mergeRanks = Map.copyOf(ranks);
        this.startId = specialId(START, source);
        this.endId = specialId(END, source);
    }

    /** The tokenizer in a model's tokenizer folder: {@code tokenizer.json}, or {@code vocab.json} with {@code merges.txt}. */
    public static ClipTokenizer load(Path folder) throws IOException {
        return TokenizerFiles.load(folder);
    }

    /** The CLIP tokenizer inside Atelier (OpenAI's merges file): what a model gets when no tokenizer files lie beside it. */
    public static ClipTokenizer bundled() throws IOException {
        return TokenizerFiles.bundled();
    }

    /** The id of {@code <|startoftext|>}, read from the vocabulary (49406 in CLIP's). */
    public int startId() {
        return startId;
    }

    /** The id of {@code <|endoftext|>}, read from the vocabulary (49407 in CLIP's); also the padding and unknown token. */
    public int endId() {
        return endId;
    }

    /** The prompt as the text encoder's {@link #CONTEXT_LENGTH} ids. */
    public PromptTokens encode(String prompt) {
        return encode(prompt, TextualInversions.NONE, 0, new ArrayList<>());
    }

    /**
     * The prompt as ids, each textual-inversion embedding it names (its name as a word, as A1111
     * reads prompts, or {@code embedding:name}, as ComfyUI does) standing as placeholder ids,
     * one a vector, numbered on from {@code firstPlaceholder} in the order they come.
     *
     * @param used receives the embeddings placed, in the order of their placeholders
     */
    public PromptTokens encode(String prompt, TextualInversions embeddings, int firstPlaceholder,
                               List<TextualInversions.Embedding> used) {
        List<String> pieces = pieces(prompt);
        List<Integer> ids = new ArrayList<>();
        List<Integer> pieceOfToken = new ArrayList<>();
        for (Word word : words(pieces, embeddings, new int[] {firstPlaceholder}, used)) {
            for (int id : word.ids()) {
                ids.add(id);
                pieceOfToken.add(word.piece());
            }
        }
        int room = CONTEXT_LENGTH - 2;
        int kept = Math.min(ids.size(), room);
        int[] context = new int[CONTEXT_LENGTH];
        java.util.Arrays.fill(context, endId);
        context[0] = startId;
        for (int i = 0; i < kept; i++) {
            context[1 + i] = ids.get(i);
        }
        List<String> droppedWords = new ArrayList<>();
        if (kept < ids.size()) {
            for (int p = pieceOfToken.get(kept); p < pieces.size(); p++) {
                droppedWords.add(pieces.get(p));
            }
        }
        return new PromptTokens(context, kept + 2, ids.size() - kept, droppedWords);
    }

    /**
     * A run of prompt text as ids, one array a word (a piece BPE works on, or an embedding's
     * placeholders), without start, end or padding: what chunking and emphasis work on.
     *
     * @param nextPlaceholder the next placeholder id, advanced past those given out
     */
    public List<int[]> words(String text, TextualInversions embeddings, int[] nextPlaceholder,
                             List<TextualInversions.Embedding> used) {
        return words(pieces(text), embeddings, nextPlaceholder, used).stream().map(Word::ids).toList();
    }

    /** One word's ids and the (last) piece it came from, for saying which words a cut prompt lost. */
    private record Word(int[] ids, int piece) {
    }

    private List<Word> words(List<String> pieces, TextualInversions embeddings, int[] nextPlaceholder,
                             List<TextualInversions.Embedding> used) {
        List<Word> words = new ArrayList<>();
        for (int p = 0; p < pieces.size(); p++) {
            int span = embeddingSpan(pieces, p, embeddings);
            if (span > 0) {
                TextualInversions.Embedding embedding = embeddings.named(pieces.get(p + span - 1));
                p += span - 1;
                used.add(embedding);
                int[] ids = new int[embedding.vectors().length];
                for (int v = 0; v < ids.length; v++) {
                    ids[v] = nextPlaceholder[0]++;
                }
                words.add(new Word(ids, p));
                continue;
            }
            String[] tokens = bpe(pieces.get(p));
            int[] ids = new int[tokens.length];
            for (int t = 0; t < tokens.length; t++) {
                // Only a vocabulary without all byte symbols can miss one; CLIP maps it to <|endoftext|>.
                ids[t] = vocabulary.getOrDefault(tokens[t], endId);
            }
            words.add(new Word(ids, p));
        }
        return words;
    }

    /**
     * How many pieces from {@code p} name an embedding: 3 for ComfyUI's "embedding", ":", name;
     * 1 for A1111's name alone; 0 when they name none.
     */
    private static int embeddingSpan(List<String> pieces, int p, TextualInversions embeddings) {
        if (pieces.get(p).equals("embedding") && p + 2 < pieces.size() && pieces.get(p + 1).equals(":")
                && embeddings.named(pieces.get(p + 2)) != null) {
            return 3;
        }
        return embeddings.named(pieces.get(p)) != null ? 1 : 0;
    }

    /** The BPE tokens of the prompt, without start, end or padding: for tests and diagnostics. */
    List<String> tokens(String prompt) {
        List<String> tokens = new ArrayList<>();
        for (String piece : pieces(prompt)) {
            tokens.addAll(List.of(bpe(piece)));
        }
        return tokens;
    }

    /** The cleaned prompt cut into the pieces BPE works on, in order. */
    static List<String> pieces(String prompt) {
        List<String> pieces = new ArrayList<>();
        Matcher matcher = PIECES.matcher(clean(prompt));
        while (matcher.find()) {
            pieces.add(matcher.group());
        }
        return pieces;
    }

    /**
     * The clean-up of OpenAI's tokenizer, which SD 1.5's text encoder was trained behind (and
     * Hugging Face's CLIPTokenizer with ftfy): control characters, NUL and U+FFFD dropped, HTML
     * entities decoded (twice, as it does), NFC, every run of whitespace one space, none at the
     * ends, lower case. CJK ideographs stay together: a run of letters in any script is one piece.
     */
    static String clean(String text) {
        StringBuilder kept = new StringBuilder(text.length());
        HtmlEntities.decode(HtmlEntities.decode(text)).codePoints().forEach(c -> {
            if (c == 0 || c == 0xFFFD || isControl(c)) {
                return;
            }
            kept.appendCodePoint(isWhitespace(c) ? ' ' : c);
        });
        String normal = Normalizer.normalize(kept, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        return String.join(" ", normal.trim().split(" +"));
    }

    private static boolean isWhitespace(int c) {
        return Character.isWhitespace(c) || Character.getType(c) == Character.SPACE_SEPARATOR || c == 0x85;
    }

    /** Unicode's "C" categories, tab, newline and carriage return excepted (they are whitespace). */
    private static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
                || type == Character.SURROGATE || type == Character.UNASSIGNED;
    }

    /** One piece's BPE tokens; cached, as prompts repeat their words. */
    private String[] bpe(String piece) {
        if (piece.equals(START) || piece.equals(END)) {
            return new String[] {piece};
        }
        String[] cached = cache.get(piece);
        if (cached != null) {
            return cached.clone();
        }
        String[] tokens = merge(ByteLevelAlphabet.encode(piece));
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(piece, tokens);
        return tokens.clone();
    }

    /**
     * BPE on one piece's symbols, the last marked as ending the word: repeatedly joins every
     * occurrence, left to right, of the adjacent pair with the best (lowest) merge rank,
     * until no adjacent pair has a rule.
     */
    private String[] merge(String symbols) {
        List<String> word = new ArrayList<>(symbols.length());
        for (int i = 0; i < symbols.length(); i++) {
            word.add(String.valueOf(symbols.charAt(i)));
        }
        int last = word.size() - 1;
        word.set(last, word.get(last) + END_OF_WORD);
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer rank = mergeRanks.get(pairKey(word.get(i), word.get(i + 1)));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        return word.toArray(String[]::new);
    }

    /** Symbols never hold a space (the byte alphabet writes it as another character), so a space separates a pair. */
    private static String pairKey(String first, String second) {
        return first + ' ' + second;
    }

    private int specialId(String token, Path source) throws BadTokenizerFileException {
        Integer id = vocabulary.get(token);
        if (id == null) {
            throw new BadTokenizerFileException(source, "the vocabulary has no " + token + " token; is this a CLIP tokenizer?");
        }
        return id;
    }
}
