package atelier.daemon.neural.diffusion.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads the two layouts CLIP tokenizers ship in: OpenAI's and Hugging Face's
 * {@code vocab.json} (token to id) with {@code merges.txt} (one "a b" rule a line, after a
 * {@code #version} header), or one Hugging Face {@code tokenizer.json} holding both under
 * {@code model.vocab} and {@code model.merges}. Every error names the file at fault.
 */
public final class TokenizerFiles {

    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String VOCAB_JSON = "vocab.json";
    static final String MERGES_TXT = "merges.txt";
    /** OpenAI's own file (openai/CLIP, MIT): the merges alone, gzipped; the vocabulary follows from them. */
    static final String OPENAI_MERGES = "bpe_simple_vocab_16e6.txt.gz";
    /** OpenAI's SimpleTokenizer keeps the first 49152 - 256 - 2 rules: with the 512 byte symbols and 2 specials, 49408 tokens. */
    static final int OPENAI_RULES = 49152 - 256 - 2;

    private TokenizerFiles() {
    }

    /** The tokenizer in a folder: {@code tokenizer.json} when present, else {@code vocab.json} and {@code merges.txt}. */
    public static ClipTokenizer load(Path folder) throws IOException {
        Path single = folder.resolve(TOKENIZER_JSON);
        Path vocab = folder.resolve(VOCAB_JSON);
        Path merges = folder.resolve(MERGES_TXT);
        if (Files.isRegularFile(single)) {
            return fromTokenizerJson(single);
        }
        if (Files.exists(vocab) || Files.exists(merges)) {
            return fromVocabAndMerges(vocab, merges);
        }
        Path openAi = folder.resolve(OPENAI_MERGES);
        if (Files.isRegularFile(openAi)) {
            try (InputStream in = Files.newInputStream(openAi)) {
                return fromOpenAiMerges(in, openAi);
            }
        }
        throw new BadTokenizerFileException(folder, "no CLIP tokenizer here: expected " + TOKENIZER_JSON + ", or "
                + VOCAB_JSON + " and " + MERGES_TXT + ", or " + OPENAI_MERGES);
    }

    /** The CLIP tokenizer that ships inside Atelier (OpenAI's merges file, MIT licence beside it). */
    static ClipTokenizer bundled() throws IOException {
        try (InputStream in = TokenizerFiles.class.getResourceAsStream(OPENAI_MERGES)) {
            if (in == null) {
                throw new IOException("the bundled CLIP tokenizer " + OPENAI_MERGES + " is missing from Atelier's jar");
            }
            return fromOpenAiMerges(in, Path.of("(bundled) " + OPENAI_MERGES));
        }
    }

    /**
     * OpenAI's layout, as its SimpleTokenizer reads it: after the header line, the first
     * {@link #OPENAI_RULES} merge rules; the vocabulary is the 256 byte symbols in
     * bytes_to_unicode order, the same with {@code </w>}, one token per rule, then the two
     * special tokens (the same ids as Hugging Face's vocab.json for CLIP).
     */
    static ClipTokenizer fromOpenAiMerges(InputStream gzipped, Path source) throws IOException {
        List<String> lines;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(gzipped), StandardCharsets.UTF_8))) {
            lines = reader.lines().skip(1).limit(OPENAI_RULES).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new BadTokenizerFileException(source, "not a gzipped merges file: " + e.getMessage(), e);
        }
        if (lines.size() < OPENAI_RULES) {
            throw new BadTokenizerFileException(source, "has " + lines.size() + " merge rules where CLIP has " + OPENAI_RULES);
        }
        List<String> symbols = new ArrayList<>();
        for (int b : ByteLevelAlphabet.bytesInOrder()) {
            symbols.add(String.valueOf(ByteLevelAlphabet.symbol(b)));
        }
        Map<String, Integer> vocabulary = new HashMap<>();
        for (String symbol : symbols) {
            vocabulary.put(symbol, vocabulary.size());
        }
        for (String symbol : symbols) {
            vocabulary.put(symbol + "</w>", vocabulary.size());
        }
        List<String[]> merges = new ArrayList<>(lines.size());
        for (int n = 0; n < lines.size(); n++) {
            String[] rule = mergeRule(lines.get(n), source, "line " + (n + 2));
            merges.add(rule);
            vocabulary.put(rule[0] + rule[1], vocabulary.size());
        }
        vocabulary.put("<|startoftext|>", vocabulary.size());
        vocabulary.put("<|endoftext|>", vocabulary.size());
        return new ClipTokenizer(vocabulary, merges, source);
    }

    static ClipTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) throws IOException {
        JsonElement vocab = parseJson(vocabJson);
        if (!vocab.isJsonObject()) {
            throw new BadTokenizerFileException(vocabJson, "expected a JSON object of token to id");
        }
        Map<String, Integer> vocabulary = vocabulary(vocab.getAsJsonObject(), vocabJson, "");
        List<String[]> merges = new ArrayList<>();
        List<String> lines = readLines(mergesTxt);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if ((n == 0 && line.startsWith("#version")) || line.isBlank()) {
                continue;
            }
            merges.add(mergeRule(line, mergesTxt, "line " + (n + 1)));
        }
        return new ClipTokenizer(vocabulary, merges, vocabJson);
    }

    static ClipTokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
        JsonElement root = parseJson(tokenizerJson);
        JsonObject model = root.isJsonObject() && root.getAsJsonObject().get("model") instanceof JsonObject m ? m : null;
        if (model == null) {
            throw new BadTokenizerFileException(tokenizerJson, "no \"model\" object");
        }
        if (model.get("type") instanceof JsonPrimitive type && !type.getAsString().equals("BPE")) {
            throw new BadTokenizerFileException(tokenizerJson, "model.type is " + type.getAsString() + ", not the BPE of CLIP");
        }
        if (!(model.get("vocab") instanceof JsonObject vocab)) {
            throw new BadTokenizerFileException(tokenizerJson, "no model.vocab object");
        }
        if (!(model.get("merges") instanceof JsonArray rules)) {
            throw new BadTokenizerFileException(tokenizerJson, "no model.merges array");
        }
        List<String[]> merges = new ArrayList<>(rules.size());
        for (int n = 0; n < rules.size(); n++) {
            JsonElement rule = rules.get(n);
            String where = "model.merges[" + n + "]";
            // Older files write a rule as "a b", newer ones (tokenizers 0.20+) as ["a", "b"].
            if (rule instanceof JsonPrimitive text && text.isString()) {
                merges.add(mergeRule(text.getAsString(), tokenizerJson, where));
            } else if (rule instanceof JsonArray pair && pair.size() == 2
                    && pair.get(0) instanceof JsonPrimitive a && a.isString()
                    && pair.get(1) instanceof JsonPrimitive b && b.isString()) {
                merges.add(new String[] {a.getAsString(), b.getAsString()});
            } else {
                throw new BadTokenizerFileException(tokenizerJson, where + " is neither \"a b\" nor [\"a\", \"b\"]: " + rule);
            }
        }
        return new ClipTokenizer(vocabulary(vocab, tokenizerJson, "model.vocab"), merges, tokenizerJson);
    }

    private static Map<String, Integer> vocabulary(JsonObject vocab, Path file, String where) throws BadTokenizerFileException {
        Map<String, Integer> vocabulary = new HashMap<>(vocab.size() * 2);
        for (Map.Entry<String, JsonElement> entry : vocab.entrySet()) {
            if (!(entry.getValue() instanceof JsonPrimitive id && id.isNumber()
                    && id.getAsDouble() == id.getAsInt() && id.getAsInt() >= 0)) {
                throw new BadTokenizerFileException(file, (where.isEmpty() ? "" : where + ": ")
                        + "the id of " + entry.getKey() + " is not a whole number >= 0: " + entry.getValue());
            }
            vocabulary.put(entry.getKey(), id.getAsInt());
        }
        return vocabulary;
    }

    private static String[] mergeRule(String text, Path file, String where) throws BadTokenizerFileException {
        String[] pair = text.split(" ", -1);
        if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
            throw new BadTokenizerFileException(file, where + " is not a merge rule of two symbols: \"" + text + "\"");
        }
        return pair;
    }

    private static JsonElement parseJson(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(reader);
        } catch (NoSuchFileException e) {
            throw new BadTokenizerFileException(file, "missing", e);
        } catch (JsonParseException e) {
            throw new BadTokenizerFileException(file, "not valid JSON: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BadTokenizerFileException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static List<String> readLines(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new BadTokenizerFileException(file, "missing", e);
        } catch (IOException e) {
            throw new BadTokenizerFileException(file, "cannot be read: " + e.getMessage(), e);
        }
    }
}
