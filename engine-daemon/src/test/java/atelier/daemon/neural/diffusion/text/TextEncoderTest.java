package atelier.daemon.neural.diffusion.text;

import static atelier.daemon.neural.diffusion.TinyCheckpoint.TINY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.TinyCheckpoint;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointMismatchException;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.ExpectedShape;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.net.TextEncoder;
import atelier.daemon.neural.diffusion.net.TorchReference;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text encoder's determinism, prompt handling and key layout. What it computes, against
 * OpenAI's original CLIP code, is the {@code text} case of ../shared/reference
 * (ReferenceCasesTest).
 */
class TextEncoderTest {

    private static final int N = ClipTokenizer.CONTEXT_LENGTH;

    @TempDir
    Path dir;

    /** A prompt of random real-vocabulary tokens between start and end, end-padded, and the empty prompt. */
    private static float[] tokenIds() {
        SplittableRandom random = new SplittableRandom(7);
        float[] ids = new float[2 * N];
        java.util.Arrays.fill(ids, 49407);
        ids[0] = 49406;
        for (int i = 1; i <= 30; i++) {
            ids[i] = random.nextInt(49406);
        }
        ids[N] = 49406;
        return ids;
    }

    private static int[] asInts(float[] values) {
        int[] ints = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            ints[i] = (int) values[i];
        }
        return ints;
    }

    @Test
    void theSameIdsGiveTheSameBitsAndOnlyTheResultSurvives() throws IOException {
        Path checkpoint = TinyCheckpoint.sd15(dir.resolve("tiny.safetensors"), DType.F16, 3);
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager weights = torch.newManager(); NDManager caller = torch.newManager()) {
            TextEncoder encoder = TextEncoder.load(Safetensors.open(checkpoint), TINY, torch, weights);
            int weightArrays = weights.getManagedArrays().size();
            NDArray ids = caller.create(asInts(tokenIds()), new Shape(2, N));
            float[] first = encoder.encode(ids).toFloatArray();
            float[] second = encoder.encode(ids).toFloatArray();
            assertArrayEquals(first, second);
            assertEquals(weightArrays, weights.getManagedArrays().size(), "arrays left among the weights");
            assertEquals(3, caller.getManagedArrays().size(), "the ids and the two results, nothing else");
            assertEquals(caller, ids.getManager());
        }
    }

    @Test
    void aLongPromptIsEncodedCutAndSaysWhatWasLostAndTheEmptyPromptWorks() throws IOException {
        Path checkpoint = TinyCheckpoint.sd15(dir.resolve("tiny.safetensors"), DType.F32, 5);
        ClipTokenizer tokenizer = ClipTokenizer.load(new TinyClipVocabulary().writeVocabAndMerges(dir.resolve("tokenizer")));
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager manager = torch.newManager()) {
            PromptEncoder prompts = new PromptEncoder(tokenizer, TextEncoder.load(Safetensors.open(checkpoint), TINY, torch, manager));
            String longPrompt = "cat ".repeat(74) + "dog cat dog";
            PromptEncoder.Encoded encoded = prompts.encode(manager, longPrompt, "");
            assertEquals(new Shape(2, N, TINY.textWidth()), encoded.hiddenStates().getShape());
            assertTrue(encoded.truncated());
            assertEquals(2, encoded.tokens().get(0).droppedTokens());
            assertEquals(List.of("prompt 1 is 2 tokens too long for CLIP's 75; ignored: 'cat dog'"), encoded.truncationNotices());

            PromptEncoder.Encoded empty = prompts.encode(manager, "");
            assertFalse(empty.truncated());
            assertEquals(List.of(), empty.truncationNotices());
            float[] batched = encoded.hiddenStates().get(1).toFloatArray();
            float[] alone = empty.hiddenStates().get(0).toFloatArray();
            assertEquals(0, TorchReference.maxAbsDifference(batched, alone), 1e-6, "a prompt's encoding does not depend on its batch");
        }
    }

    @Test
    void aCheckpointWithoutATextEncoderKeyNamesIt() throws IOException {
        String missing = Sd15Layout.TEXT + "encoder.layers.1.mlp.fc2.bias";
        Map<String, ExpectedShape> layout = new LinkedHashMap<>(Sd15Layout.textEncoder(TINY));
        layout.remove(missing);
        Path file = dir.resolve("broken.safetensors");
        TinyCheckpoint.randomWeights(layout, DType.F32, 1).write(file);
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager manager = torch.newManager()) {
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                    () -> TextEncoder.load(Safetensors.open(file), TINY, torch, manager));
            assertTrue(e.getMessage().contains("'" + missing + "' is missing"), e.getMessage());
            assertEquals(0, manager.getManagedArrays().size(), "nothing half-loaded");
        }
    }

    @Test
    void theBlocksDeclareExactlyTheCheckpointKeysAndShapes() {
        Map<String, List<Long>> declared = new LinkedHashMap<>();
        Map<String, List<Long>> layout = new LinkedHashMap<>();
        TextEncoder encoder = new TextEncoder(TINY);
        collect(encoder, declared);
        Sd15Layout.textEncoder(TINY).forEach((key, shape) -> layout.put(key, shape.shape()));
        assertEquals(new java.util.TreeMap<>(layout), new java.util.TreeMap<>(declared));
    }

    private static void collect(ai.djl.nn.Block block, Map<String, List<Long>> into) {
        if (block instanceof atelier.daemon.neural.diffusion.net.NetworkBlock named) {
            named.getDirectParameters().values().forEach(p -> into.put(p.getName(),
                    java.util.Arrays.stream(named.expectedShape(p).getShape()).boxed().toList()));
        }
        block.getChildren().values().forEach(child -> collect(child, into));
    }
}
