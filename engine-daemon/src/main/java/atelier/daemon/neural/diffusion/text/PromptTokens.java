package atelier.daemon.neural.diffusion.text;

import java.util.List;

/**
 * A prompt as the text encoder takes it: exactly {@link ClipTokenizer#CONTEXT_LENGTH} ids,
 * start token, the prompt's tokens, end token, then end tokens as padding. A prompt too
 * long for that is cut, and says what was cut so the painter can be told.
 *
 * @param ids the ids to feed the text encoder
 * @param length how many ids before the padding (start and end tokens included)
 * @param droppedTokens how many of the prompt's tokens did not fit
 * @param droppedWords the words (as cleaned: lower case) that lost some or all of their tokens, in order
 */
public record PromptTokens(int[] ids, int length, int droppedTokens, List<String> droppedWords) {

    public PromptTokens {
        ids = ids.clone();
        droppedWords = List.copyOf(droppedWords);
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    /** Whether part of the prompt was cut off. */
    public boolean truncated() {
        return droppedTokens > 0;
    }
}
