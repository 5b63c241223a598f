package atelier.daemon.neural.diffusion;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same comparisons {@code ./bench reference} prints, as tests on the project's shared
 * reference data: the UNet (plain, inpainting, with control), the ControlNet, the VAE both
 * ways, the text encoder and the tokenizer, and whole DDIM, Euler, Euler ancestral and
 * DPM++ 2M Karras runs, against the original code's outputs. CI fails when any drifts.
 */
class ReferenceCasesTest {

    static final Path SHARED = ReferenceData.FOLDER;

    @TestFactory
    Stream<DynamicTest> everyReferenceCaseMatchesTheOriginalCode() throws Exception {
        assertTrue(Files.isDirectory(SHARED), "the reference data is missing: " + SHARED);
        ReferenceCases cases = new ReferenceCases(SHARED);
        List<Path> sidecars = cases.sidecars();
        assertTrue(sidecars.size() >= 13, "only " + sidecars.size() + " cases in " + SHARED);
        return sidecars.stream().map(sidecar -> DynamicTest.dynamicTest(sidecar.getFileName().toString(), () -> {
            ReferenceCases.Outcome outcome = cases.run(sidecar);
            System.out.println(outcome.line());
            assertTrue(outcome.ok(), outcome.line());
        }));
    }

    /** kohya LoRA (diffusers and LDM names), LoCon, LyCORIS Tucker, LoHa and PEFT against ComfyUI's merged weights. */
    @TestFactory
    Stream<DynamicTest> everyLoraKindChangesTheNetworksAsComfyUiDoes() throws Exception {
        ReferenceCases cases = new ReferenceCases(SHARED);
        List<Path> sidecars = cases.loraSidecars();
        assertTrue(sidecars.size() >= 6, "only " + sidecars.size() + " LoRA cases in " + SHARED);
        return sidecars.stream().map(sidecar -> DynamicTest.dynamicTest(sidecar.getFileName().toString(), () -> {
            ReferenceCases.Outcome outcome = cases.runLora(sidecar);
            System.out.println(outcome.line());
            assertTrue(outcome.ok(), outcome.line());
        }));
    }

    @Test
    void textualInversionEmbeddingsNamedEitherWayGiveComfyUisIdsAndStates() throws Exception {
        ReferenceCases cases = new ReferenceCases(SHARED);
        ReferenceCases.Outcome outcome = cases.runTextualInversion(cases.textualInversionSidecar());
        System.out.println(outcome.line());
        assertTrue(outcome.ok(), outcome.line());
    }

    @Test
    void aFolderThatIsNotReferenceDataIsRefusedAsAWhole(@TempDir Path empty) {
        assertThrows(ReferenceCases.UnreadableFolder.class, () -> new ReferenceCases(empty));
    }

    @Test
    void aCaseWhoseExpectedOutputIsWrongFails(@TempDir Path copy) throws Exception {
        // The check itself must be able to fail: the UNet case against another case's eps.
        for (String file : List.of("generation.json", "sd15-tiny.safetensors")) {
            Files.createSymbolicLink(copy.resolve(file), SHARED.resolve(file));
        }
        Path cases = Files.createDirectories(copy.resolve("cases"));
        Files.copy(SHARED.resolve("cases/unet.json"), cases.resolve("unet.json"));
        Files.createSymbolicLink(cases.resolve("unet.safetensors"), SHARED.resolve("cases/unet-controlled.safetensors"));
        ReferenceCases.Outcome outcome = new ReferenceCases(copy).run(cases.resolve("unet.json"));
        assertFalse(outcome.ok(), outcome.line());
    }
}
