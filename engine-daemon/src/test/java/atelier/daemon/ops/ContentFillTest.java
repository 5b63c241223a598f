package atelier.daemon.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.Pictures;
import atelier.daemon.classic.PatchMatchFill;
import atelier.daemon.classic.TeleaFill;
import atelier.daemon.image.Margins;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContentFillTest {

    private final ContentFill fill = new ContentFill(List.of(new PatchMatchFill(), new TeleaFill()));

    static EditOrder order(Raster image, Mask mask, String engine, int variants, Mask sampleFrom) {
        return new EditOrder(Operation.CONTENT_FILL, image, mask, null, "", "", 10, 1.0, null, variants, engine,
                Margins.NONE, sampleFrom, false, FlatsOutput.UNDERLAY, 4, null, DiffusionSettings.DEFAULTS);
    }

    @Test
    void variantsOfPatchMatchDifferAndCarryTheirSeeds() throws Exception {
        EditOutcome outcome = fill.prepare(order(Pictures.meadow(), Pictures.meadowSelection(), EditOrder.AUTO, 2, null))
                .run(Progress.NONE);
        assertEquals("patchmatch", outcome.engine());
        assertEquals(2, outcome.layers().size());
        assertEquals(10, outcome.layers().get(0).seed());
        assertEquals(11, outcome.layers().get(1).seed());
        assertNotEquals(outcome.layers().get(0).pixels(), outcome.layers().get(1).pixels());
    }

    @Test
    void teleaRefusesVariantsAndSampleFromBecauseItCannotHonourThem() throws Exception {
        Raster image = Pictures.meadow();
        Mask mask = Pictures.meadowSelection();
        assertEquals("variants", assertThrows(InvalidRequest.class, () -> fill.prepare(order(image, mask, "telea", 3, null))).getField());
        assertEquals("sampleFrom", assertThrows(InvalidRequest.class, () -> fill.prepare(order(image, mask, "telea", 1, mask))).getField());
    }

    @Test
    void sampleFromInsideTheSelectionOnlyIsRefused() throws Exception {
        Mask mask = Pictures.meadowSelection();
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> fill.prepare(order(Pictures.meadow(), mask, EditOrder.AUTO, 1, mask)));
        assertEquals("sampleFrom", e.getField());
    }

    @Test
    void onePixelImageIsTooSmall() {
        Raster one = Pictures.gradient(1);
        Mask mask = Mask.empty(one.extent());
        assertEquals("image", assertThrows(InvalidRequest.class, () -> fill.prepare(order(one, mask, EditOrder.AUTO, 1, null))).getField());
    }

    @Test
    void embeddedChoosesPatchMatchAndUnknownNamesAreUnsupported() throws Exception {
        assertEquals("patchmatch", fill.prepare(order(Pictures.meadow(), Pictures.meadowSelection(), EditOrder.EMBEDDED, 1, null))
                .run(Progress.NONE).engine());
        assertThrows(Unsupported.class, () -> fill.prepare(order(Pictures.meadow(), Pictures.meadowSelection(), "lama", 1, null)));
    }
}
