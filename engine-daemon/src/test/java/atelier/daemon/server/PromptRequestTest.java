package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.LoraChoice;
import atelier.bridge.thrift.Operation;
import atelier.daemon.neural.diffusion.sampling.Scheduler;
import atelier.daemon.ops.DiffusionSettings;
import atelier.daemon.ops.EditOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a request's prompt may carry besides words: LoRA tags, and the clip skip beside it. */
class PromptRequestTest {

    private static final RequestDecoding DECODING = new RequestDecoding(Limits.DEFAULT, Scheduler.NAMES);

    private static EditRequest inpaint(String prompt) {
        return new EditRequest(Operation.INPAINT, BadInputTest.rgba(8, 8)).setMask(BadInputTest.gray(8, 8, 255)).setPrompt(prompt);
    }

    @Test
    void loraTagsInThePromptAreLorasOfTheRequestAndLeaveTheText() throws Exception {
        EditOrder order = DECODING.decode(inpaint("a knight <lora:inkStyle:0.6>, castle <lora:hero>")
                .setNegativePrompt("blurry <lora:noBlur:-0.5>")
                .setLoras(List.of(new LoraChoice("film").setWeight(0.3))));
        assertEquals("a knight, castle", order.prompt());
        assertEquals("blurry", order.negativePrompt());
        assertEquals(List.of(new DiffusionSettings.Lora("film", 0.3), new DiffusionSettings.Lora("inkStyle", 0.6),
                new DiffusionSettings.Lora("hero", 1), new DiffusionSettings.Lora("noBlur", -0.5)), order.diffusion().loras());
    }

    @Test
    void aTagWithAWeightOutOfRangeNamesThePromptAndClipSkipIsOneOrTwo() throws Exception {
        assertEquals("prompt", assertThrows(InvalidRequest.class, () -> DECODING.decode(inpaint("x <lora:ink:7>"))).getField());
        assertEquals(2, DECODING.decode(inpaint("x").setClipSkip(2)).diffusion().clipSkip());
        assertEquals(1, DECODING.decode(inpaint("x")).diffusion().clipSkip());
        assertEquals("clipSkip", assertThrows(InvalidRequest.class, () -> DECODING.decode(inpaint("x").setClipSkip(3))).getField());
    }
}
