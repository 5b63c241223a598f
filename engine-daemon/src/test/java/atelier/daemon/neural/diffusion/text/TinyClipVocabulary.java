package atelier.daemon.neural.diffusion.text;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CLIP-shaped tokenizer vocabulary small enough to read: the 256 byte symbols, the same
 * with {@code </w>}, one token per merge rule, then the two special tokens, in CLIP's order.
 * Written here, independently of the tokenizer, from GPT-2's {@code bytes_to_unicode}.
 */
public final class TinyClipVocabulary {

    /** Rules in priority order: "c a" beats "a t</w>", so "cat" merges as c+a, then ca+t</w>. */
    public static final List<String> MERGES = List.of("c a", "a t</w>", "ca t</w>", "d o", "do g</w>", "o g</w>");

    final Map<String, Integer> ids = new LinkedHashMap<>();

    public TinyClipVocabulary() {
        List<String> tokens = new ArrayList<>(byteSymbols().values());
        for (String symbol : byteSymbols().values()) {
            tokens.add(symbol + "</w>");
        }
        for (String rule : MERGES) {
            tokens.add(rule.replace(" ", ""));
        }
        tokens.add("<|startoftext|>");
        tokens.add("<|endoftext|>");
        for (String token : tokens) {
            ids.put(token, ids.size());
        }
    }

    /** GPT-2's bytes_to_unicode, as its Python reads: printable bytes first, then the rest from 256 on. */
    public static Map<Integer, String> byteSymbols() {
        List<Integer> bytes = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            bytes.add(b);
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            bytes.add(b);
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            bytes.add(b);
        }
        List<Integer> chars = new ArrayList<>(bytes);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (!bytes.contains(b)) {
                bytes.add(b);
                chars.add(256 + n++);
            }
        }
        Map<Integer, String> map = new LinkedHashMap<>();
        for (int i = 0; i < bytes.size(); i++) {
            map.put(bytes.get(i), String.valueOf((char) (int) chars.get(i)));
        }
        return map;
    }

    public int id(String token) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new AssertionError("no " + token + " in the tiny vocabulary");
        }
        return id;
    }

    /** OpenAI / Hugging Face layout: vocab.json and merges.txt with its version header. */
    public Path writeVocabAndMerges(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("vocab.json"), new Gson().toJson(ids), StandardCharsets.UTF_8);
        Files.writeString(folder.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", MERGES) + "\n", StandardCharsets.UTF_8);
        return folder;
    }

    /** Hugging Face tokenizers layout; merges as "a b" strings or, in newer files, ["a", "b"] pairs. */
    public Path writeTokenizerJson(Path folder, boolean mergesAsPairs) throws IOException {
        Files.createDirectories(folder);
        JsonObject vocab = new JsonObject();
        ids.forEach(vocab::addProperty);
        JsonArray merges = new JsonArray();
        for (String rule : MERGES) {
            if (mergesAsPairs) {
                JsonArray pair = new JsonArray();
                for (String symbol : rule.split(" ")) {
                    pair.add(symbol);
                }
                merges.add(pair);
            } else {
                merges.add(rule);
            }
        }
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.addProperty("end_of_word_suffix", "</w>");
        model.add("vocab", vocab);
        model.add("merges", merges);
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("model", model);
        Files.writeString(folder.resolve("tokenizer.json"), new Gson().toJson(root), StandardCharsets.UTF_8);
        return folder;
    }
}
