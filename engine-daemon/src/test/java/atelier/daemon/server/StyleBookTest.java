package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.LoraChoice;
import atelier.bridge.thrift.ModelInfo;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.StyleInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A comic team's house style as a file: what it fills in, what a request overrides, what is wrong with a bad one. */
class StyleBookTest {

    private static final String HOUSE = """
            {"name": "House style", "checkpoint": ["anything-v5", "tiny-base"],
             "loras": [{"name": "hero-character", "weight": 0.8}], "vae": "vae-ft-mse",
             "prompt": "{prompt}, comic panel, bold ink", "negative": "photo, 3d",
             "scheduler": "euler-a", "steps": 18, "guidance": 6.5, "clipSkip": 2, "strength": 0.9, "variants": 3}
            """;

    private static final List<ModelInfo> INSTALLED = List.of(new ModelInfo("tiny-base", "sd15", 1),
            new ModelInfo("hero-character", "lora", 1), new ModelInfo("vae-ft-mse", "vae", 1));

    @TempDir
    Path styles;

    @Test
    void aStyleFillsWhatTheRequestLeavesUnsetAndTheRequestWinsWhereItSpeaks() throws Exception {
        Files.writeString(styles.resolve("house.json"), HOUSE);
        StyleBook book = StyleBook.load(List.of(styles));
        EditRequest request = new EditRequest(Operation.INPAINT, BadInputTest.rgba(8, 8)).setStyle("House style")
                .setPrompt("the hero jumps").setSteps(30);
        EditRequest styled = book.apply(request, INSTALLED);
        assertEquals("tiny-base", styled.getEngine(), "the first of its checkpoints that is installed");
        assertEquals("the hero jumps, comic panel, bold ink", styled.getPrompt());
        assertEquals("photo, 3d", styled.getNegativePrompt());
        assertEquals(List.of(new LoraChoice("hero-character").setWeight(0.8)), styled.getLoras());
        assertEquals("vae-ft-mse", styled.getVae());
        assertEquals("euler-a", styled.getScheduler());
        assertEquals(30, styled.getSteps(), "the request's own steps win");
        assertEquals(6.5, styled.getGuidance());
        assertEquals(2, styled.getClipSkip());
        assertEquals(0.9, styled.getStrength());
        assertEquals(3, styled.getVariants());
        assertFalse(request.isSetVae(), "the request itself is left as it was");
    }

    @Test
    void capabilitiesSayWhichStylesAreUsableAndABadFileIsNamedWithItsField() throws Exception {
        Files.writeString(styles.resolve("house.json"), HOUSE);
        Files.writeString(styles.resolve("broken.json"), "{\"name\": \"Broken\", \"steps\": 2.5}");
        Files.writeString(styles.resolve("typo.json"), "{\"name\": \"Typo\", \"sheduler\": \"euler\"}");
        Files.writeString(styles.resolve("nojson.json"), "{\"name\": ");
        StyleBook book = StyleBook.load(List.of(styles));
        Map<String, StyleInfo> infos = book.infos(INSTALLED).stream().collect(Collectors.toMap(StyleInfo::getName, s -> s));
        assertTrue(infos.get("House style").isUsable());
        assertTrue(infos.get("Photo").isUsable(), "a built-in Style needs nothing particular");
        assertTrue(infos.containsKey("Line-art colouring"));
        assertFalse(infos.get("broken").isUsable());
        assertTrue(infos.get("broken").getMissing().contains("broken.json") && infos.get("broken").getMissing().contains("'steps'"),
                infos.get("broken").getMissing());
        assertTrue(infos.get("typo").getMissing().contains("'sheduler'"), infos.get("typo").getMissing());
        assertTrue(infos.get("nojson").getMissing().contains("not valid JSON"), infos.get("nojson").getMissing());
        StyleInfo lacking = book.infos(List.of()).stream().filter(s -> s.getName().equals("House style")).findFirst().orElseThrow();
        assertFalse(lacking.isUsable());
        assertTrue(lacking.getMissing().contains("hero-character") && lacking.getMissing().contains("anything-v5"), lacking.getMissing());
    }

    @Test
    void anUnknownStyleOrOneWithoutItsCheckpointIsRefusedNamingTheStyleField() throws Exception {
        Files.writeString(styles.resolve("house.json"), HOUSE);
        StyleBook book = StyleBook.load(List.of(styles));
        EditRequest unknown = new EditRequest(Operation.INPAINT, BadInputTest.rgba(8, 8)).setStyle("Houes style");
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> book.apply(unknown, INSTALLED));
        assertEquals("style", e.getField());
        assertTrue(e.getReason().contains("House style"), e.getReason());
        EditRequest house = new EditRequest(Operation.INPAINT, BadInputTest.rgba(8, 8)).setStyle("House style");
        assertEquals("style", assertThrows(InvalidRequest.class, () -> book.apply(house, List.of())).getField());
    }
}
