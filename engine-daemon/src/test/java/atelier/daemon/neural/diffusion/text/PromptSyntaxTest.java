package atelier.daemon.neural.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.ReferenceData;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.net.TextEncoder;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Emphasis, long prompts and clip skip as artists write them, on the reference's tiny text encoder. */
class PromptSyntaxTest {

    private static final TorchRuntime TORCH = TorchRuntime.cpu();

    @Test
    void emphasisFollowsComfyUisRulesAndSquareBracketsA1111s() {
        assertEquals(List.of(new PromptWeights.Segment("a ", 1), new PromptWeights.Segment("red", 1.3),
                new PromptWeights.Segment(" hat", 1)), PromptWeights.parse("a (red:1.3) hat"));
        assertEquals(1.1 * 1.1, PromptWeights.parse("((gold))").get(0).weight(), 1e-12);
        assertEquals(0.5, PromptWeights.parse("((gold:0.5))").get(0).weight(), 1e-12, "a number replaces, as in ComfyUI");
        assertEquals(1 / 1.1, PromptWeights.parse("[fog]").get(0).weight(), 1e-12);
        assertEquals(List.of(new PromptWeights.Segment("(literal) parens", 1)), PromptWeights.parse("\\(literal\\) parens"));
        assertEquals(List.of(new PromptWeights.Segment("(unclosed", 1)), PromptWeights.parse("(unclosed"));
        assertEquals(List.of(new PromptWeights.Segment("time:noon", 1.1)), PromptWeights.parse("(time:noon)"));
    }

    @Test
    void aPlainShortPromptEncodesAsBeforeAndWeightOneChangesNothing() throws Exception {
        try (NDManager m = TORCH.newManager()) {
            PromptEncoder prompts = encoder(m);
            NDArray plain = prompts.encode(m, "a red fox in the snow", "").hiddenStates();
            PromptEncoder.Pair pair = prompts.encodePair(m, "a red fox in the snow", "", 1);
            assertArrayEquals(plain.get(0).toFloatArray(), pair.conditioning().get(0).toFloatArray());
            assertArrayEquals(plain.get(1).toFloatArray(), pair.unconditional().get(0).toFloatArray());
            PromptEncoder.Pair one = prompts.encodePair(m, "a (red:1.0) fox in the snow", "", 1);
            assertArrayEquals(pair.conditioning().toFloatArray(), one.conditioning().toFloatArray());
        }
    }

    @Test
    void aWeightMovesItsTokensAwayFromTheEmptyPromptByThatFactor() throws Exception {
        try (NDManager m = TORCH.newManager()) {
            PromptEncoder prompts = encoder(m);
            NDArray plain = prompts.encodePair(m, "a red fox", "", 1).conditioning().get(0);
            NDArray empty = prompts.encodePair(m, "", "", 1).conditioning().get(0);
            NDArray weighted = prompts.encodePair(m, "a (red:1.5) fox", "", 1).conditioning().get(0);
            // "a" is position 1, "red" position 2, "fox" position 3.
            NDArray expected = empty.get(2).add(plain.get(2).sub(empty.get(2)).mul(1.5f));
            assertTrue(weighted.get(2).sub(expected).abs().max().getFloat() < 1e-5, "the weighted token");
            assertArrayEquals(plain.get(3).toFloatArray(), weighted.get(3).toFloatArray(), 1e-6f, "an unweighted token");
        }
    }

    @Test
    void aLongPromptTakesTwoChunksAndTheNegativeIsPaddedToItsLength() throws Exception {
        try (NDManager m = TORCH.newManager()) {
            PromptEncoder prompts = encoder(m);
            String words = "castle ".repeat(100).trim();
            PromptEncoder.Pair pair = prompts.encodePair(m, words, "blurry", 1);
            assertEquals(new Shape(1, 154, 64), pair.conditioning().getShape());
            assertEquals(new Shape(1, 154, 64), pair.unconditional().getShape());
            assertEquals(List.of(), pair.notices());
            // The negative's second chunk is the empty prompt's states.
            NDArray empty = prompts.encodePair(m, "", "", 1).conditioning().get(0);
            assertArrayEquals(empty.toFloatArray(), pair.unconditional().get(0).get("77:154").toFloatArray(), 1e-6f);
            // The first chunk holds the first 75 words, exactly as a short prompt of them encodes.
            NDArray first = prompts.encodePair(m, "castle ".repeat(75).trim(), "", 1).conditioning().get(0);
            assertArrayEquals(first.toFloatArray(), pair.conditioning().get(0).get("0:77").toFloatArray(), 1e-5f);
        }
    }

    @Test
    void clipSkipTwoReadsTheLayerBeforeTheLast() throws Exception {
        try (NDManager m = TORCH.newManager()) {
            PromptEncoder prompts = encoder(m);
            NDArray last = prompts.encodePair(m, "a red fox", "", 1).conditioning();
            NDArray before = prompts.encodePair(m, "a red fox", "", 2).conditioning();
            assertTrue(last.sub(before).abs().max().getFloat() > 1e-3);
        }
    }

    private static PromptEncoder encoder(NDManager m) throws Exception {
        Sd15Widths widths = ReferenceData.widths();
        TextEncoder text = TextEncoder.load(Safetensors.open(ReferenceData.file("sd15-tiny.safetensors")), widths, TORCH, m);
        return new PromptEncoder(ClipTokenizer.bundled(), text);
    }
}
