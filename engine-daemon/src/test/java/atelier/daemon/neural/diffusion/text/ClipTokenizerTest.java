package atelier.daemon.neural.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTokenizerTest {

    @TempDir
    Path dir;

    private final TinyClipVocabulary vocabulary = new TinyClipVocabulary();

    private ClipTokenizer tokenizer() throws IOException {
        return ClipTokenizer.load(vocabulary.writeVocabAndMerges(dir.resolve("openai")));
    }

    @Test
    void knownWordsMergeAsTheRulesSayInPriorityOrder() throws IOException {
        ClipTokenizer tokenizer = tokenizer();
        // "cat": c+a (rank 0) before a+t</w> (rank 1), then ca+t</w>; "at" alone: a+t</w>.
        // "cats": c+a, but no rule joins ca+t or t+s</w>. "dog": d+o (rank 3) before o+g</w> (rank 5).
        assertEquals(List.of("a</w>", "cat</w>", "at</w>", "ca", "t", "s</w>", "dog</w>"),
                tokenizer.tokens("a cat at cats dog"));
    }

    @Test
    void unknownCharactersFallBackToTheirUtf8ByteSymbols() throws IOException {
        ClipTokenizer tokenizer = tokenizer();
        Map<Integer, String> symbols = TinyClipVocabulary.byteSymbols();
        for (String word : List.of("é", "🙂", "ж")) {
            byte[] utf8 = word.getBytes(StandardCharsets.UTF_8);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < utf8.length; i++) {
                expected.add(symbols.get(utf8[i] & 0xFF) + (i == utf8.length - 1 ? "</w>" : ""));
            }
            assertEquals(expected, tokenizer.tokens(word), word);
            int[] ids = tokenizer.encode(word).ids();
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(vocabulary.id(expected.get(i)), ids[1 + i], "every byte symbol is in the vocabulary");
            }
        }
    }

    @Test
    void punctuationDigitsAndContractionsAreTheirOwnPieces() throws IOException {
        assertEquals(List.of("cat", ",", "dog", "!!", "don", "'t", "4", "2", "...", "x"),
                ClipTokenizer.pieces("cat, dog!! don't 42...x"));
        assertEquals(List.of("cat</w>", ",</w>", "dog</w>", "!", "!</w>"), tokenizer().tokens("cat, dog!!"));
    }

    @Test
    void caseAndWhitespaceAreCleanedBeforeSplitting() throws IOException {
        ClipTokenizer tokenizer = tokenizer();
        assertArrayEquals(tokenizer.encode("cat dog").ids(), tokenizer.encode("  CAT \t\n  Dog\u00a0 ").ids());
        assertEquals("a cat", ClipTokenizer.clean("\u200b A\u0007  Cat "), "control and format characters go, spaces collapse");
    }

    @Test
    void idsAreStartTokensEndThenEndPaddingTo77() throws IOException {
        ClipTokenizer tokenizer = tokenizer();
        assertEquals(vocabulary.id("<|startoftext|>"), tokenizer.startId(), "read from the vocabulary");
        assertEquals(vocabulary.id("<|endoftext|>"), tokenizer.endId(), "read from the vocabulary");
        PromptTokens tokens = tokenizer.encode("cat dog");
        int[] ids = tokens.ids();
        assertEquals(77, ids.length);
        assertEquals(vocabulary.id("<|startoftext|>"), ids[0]);
        assertEquals(vocabulary.id("cat</w>"), ids[1]);
        assertEquals(vocabulary.id("dog</w>"), ids[2]);
        for (int i = 3; i < 77; i++) {
            assertEquals(vocabulary.id("<|endoftext|>"), ids[i], "end token, then end padding at " + i);
        }
        assertEquals(4, tokens.length());
        assertFalse(tokens.truncated());
        assertEquals(List.of(), tokens.droppedWords());
    }

    @Test
    void anEmptyPromptIsStartAndEndOnly() throws IOException {
        PromptTokens tokens = tokenizer().encode("   ");
        assertEquals(2, tokens.length());
        assertEquals(vocabulary.id("<|startoftext|>"), tokens.ids()[0]);
        assertEquals(vocabulary.id("<|endoftext|>"), tokens.ids()[1]);
    }

    @Test
    void aLongPromptIsCutAndSaysWhichWordsWereLost() throws IOException {
        ClipTokenizer tokenizer = tokenizer();
        // 73 one-token words, "dog" (1 token), then "bird" (4 byte tokens, no rules) and "cat":
        // 75 places hold the 73, dog and the "b" of bird.
        String prompt = "cat ".repeat(73) + "dog bird cat";
        PromptTokens tokens = tokenizer.encode(prompt);
        int[] ids = tokens.ids();
        assertEquals(77, ids.length);
        assertTrue(tokens.truncated());
        assertEquals(3 + 1, tokens.droppedTokens(), "i, r, d</w> of bird and cat");
        assertEquals(List.of("bird", "cat"), tokens.droppedWords());
        assertEquals(77, tokens.length());
        assertEquals(vocabulary.id("dog</w>"), ids[74]);
        assertEquals(vocabulary.id("b"), ids[75]);
        assertEquals(vocabulary.id("<|endoftext|>"), ids[76], "the end token survives the cut");
    }

    @Test
    void bothFileLayoutsGiveTheSameIds() throws IOException {
        ClipTokenizer openAi = tokenizer();
        ClipTokenizer hfStrings = ClipTokenizer.load(vocabulary.writeTokenizerJson(dir.resolve("hf-strings"), false));
        ClipTokenizer hfPairs = ClipTokenizer.load(vocabulary.writeTokenizerJson(dir.resolve("hf-pairs"), true));
        for (String prompt : List.of("a cat at cats dog", "Dog, CAT!! é 🙂 42", "cat ".repeat(90))) {
            int[] expected = openAi.encode(prompt).ids();
            assertArrayEquals(expected, hfStrings.encode(prompt).ids(), prompt);
            assertArrayEquals(expected, hfPairs.encode(prompt).ids(), prompt);
        }
    }

    @Test
    void aMissingFileIsNamed() throws IOException {
        Path folder = vocabulary.writeVocabAndMerges(dir.resolve("no-merges"));
        Files.delete(folder.resolve("merges.txt"));
        BadTokenizerFileException e = assertThrows(BadTokenizerFileException.class, () -> ClipTokenizer.load(folder));
        assertEquals(folder.resolve("merges.txt"), e.file());
        assertTrue(e.getMessage().contains("merges.txt") && e.getMessage().contains("missing"), e.getMessage());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(BadTokenizerFileException.class, () -> ClipTokenizer.load(empty));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("vocab.json"), e.getMessage());
    }

    @Test
    void aDamagedFileIsNamedWithWhatIsWrong() throws IOException {
        Path badJson = vocabulary.writeVocabAndMerges(dir.resolve("bad-json"));
        Files.writeString(badJson.resolve("vocab.json"), "{\"a\": 1,");
        assertNames(badJson, "vocab.json", "JSON");

        Path badRule = vocabulary.writeVocabAndMerges(dir.resolve("bad-rule"));
        Files.writeString(badRule.resolve("merges.txt"), "#version: 0.2\nc a\nca t </w>\n");
        assertNames(badRule, "merges.txt", "line 3");

        Path notClip = vocabulary.writeVocabAndMerges(dir.resolve("not-clip"));
        Files.writeString(notClip.resolve("vocab.json"), "{\"a\": 0, \"<|startoftext|>\": 1}");
        assertNames(notClip, "vocab.json", "<|endoftext|>");

        Path badId = vocabulary.writeVocabAndMerges(dir.resolve("bad-id"));
        Files.writeString(badId.resolve("vocab.json"), "{\"a\": \"zero\"}");
        assertNames(badId, "vocab.json", "id of a");

        Path noVocab = vocabulary.writeTokenizerJson(dir.resolve("no-vocab"), true);
        Files.writeString(noVocab.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"merges\": []}}");
        assertNames(noVocab, "tokenizer.json", "model.vocab");
    }

    private static void assertNames(Path folder, String file, String problem) {
        BadTokenizerFileException e = assertThrows(BadTokenizerFileException.class, () -> ClipTokenizer.load(folder));
        assertEquals(folder.resolve(file), e.file());
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void theBundledOpenAiTokenizerGivesClipsOwnIds() throws IOException {
        ClipTokenizer clip = ClipTokenizer.bundled();
        // The ids CLIP ViT-L/14's tokenizer gives (they appear in Hugging Face's CLIP documentation).
        int[] ids = clip.encode("a photo of a cat").ids();
        assertArrayEquals(new int[] {49406, 320, 1125, 539, 320, 2368, 49407}, java.util.Arrays.copyOf(ids, 7));
        assertEquals(49406, clip.startId());
        assertEquals(49407, clip.endId());
    }

    @Test
    void openAisMergesFileInAModelFolderIsReadToo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path folder) throws IOException {
        try (java.io.InputStream in = TokenizerFiles.class.getResourceAsStream(TokenizerFiles.OPENAI_MERGES)) {
            java.nio.file.Files.copy(in, folder.resolve(TokenizerFiles.OPENAI_MERGES));
        }
        assertArrayEquals(ClipTokenizer.bundled().encode("line art, flat colours").ids(),
                ClipTokenizer.load(folder).encode("line art, flat colours").ids());
    }
}
