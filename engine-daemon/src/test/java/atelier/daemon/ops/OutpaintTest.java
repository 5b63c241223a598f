package atelier.daemon.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Operation;
import atelier.daemon.Pictures;
import atelier.daemon.bench.FillBenchmark;
import atelier.daemon.bench.FillTestSet;
import atelier.daemon.classic.PatchMatchFill;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Margins;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutpaintTest {

    private final Outpaint outpaint = new Outpaint(List.of(new PatchMatchFill()));

    private static EditOrder order(Raster image, Margins extend, Double aspectRatio) {
        return new EditOrder(Operation.OUTPAINT, image, null, null, "", "", 3, 1.0, null, 1, EditOrder.AUTO,
                extend, null, false, FlatsOutput.UNDERLAY, 4, aspectRatio, DiffusionSettings.DEFAULTS);
    }

    @Test
    void extendsTheCanvasByTheMarginsAndKeepsTheOriginalInPlace() throws Exception {
        Raster grass = FillTestSet.CASES.get(6).truth();
        EditOutcome outcome = outpaint.prepare(order(grass, new Margins(64, 0, 32, 16), null)).run(Progress.NONE);
        assertEquals(new Extent(grass.width() + 64, grass.height() + 48), outcome.canvas());
        assertEquals(64, outcome.originX());
        assertEquals(32, outcome.originY());
        Raster result = outcome.layers().get(0).pixels();
        assertEquals(outcome.canvas(), result.extent());
        int band = Outpaint.SEAM_BAND;
        // Away from the seam band the original is bit for bit what it was.
        atelier.daemon.image.Bounds inner = new atelier.daemon.image.Bounds(64 + band, 32 + band,
                grass.width() - band, grass.height() - 2 * band);
        assertEquals(grass.crop(inner.offset(-64, -32)), result.crop(inner), "the original pixels outside the seam band changed");
        for (int y = 0; y < result.height(); y++) {
            for (int x = 0; x < 64; x++) {
                assertEquals(255, result.channel(x, y, 3), "new area at " + x + "," + y + " is not filled");
            }
        }
    }

    @Test
    void newAreaContinuesThePictureWithoutAVisibleSeam() throws Exception {
        Raster grass = FillTestSet.CASES.get(6).truth();
        Raster result = outpaint.prepare(order(grass, new Margins(0, 128, 0, 0), null)).run(Progress.NONE).layers().get(0).pixels();
        int seam = grass.width();
        double across = FillBenchmark.columnStep(result, seam - 1, seam);
        double inside = 0;
        for (int x = seam - 40; x < seam - 2; x++) {
            inside += FillBenchmark.columnStep(result, x, x + 1) / 38;
        }
        double beyond = 0;
        for (int x = seam + 2; x < seam + 40; x++) {
            beyond += FillBenchmark.columnStep(result, x, x + 1) / 38;
        }
        assertTrue(across < 1.5 * inside, "the old border stands out: step " + across + " against " + inside + " inside");
        assertTrue(beyond > 0.6 * inside, "the new area is flatter than the grass: " + beyond + " against " + inside);
    }

    @Test
    void seamBandFadesFromTheNewAreaIntoTheOriginalOnlyOnGrownSides() {
        atelier.daemon.image.Mask mask = Outpaint.newAreaWithSeamBand(new Extent(140, 100),
                new atelier.daemon.image.Bounds(40, 0, 100, 100), new Margins(40, 0, 0, 0));
        assertEquals(255, mask.at(39, 50));
        assertTrue(mask.at(40, 50) > mask.at(45, 50) && mask.at(45, 50) > 0, "the band fades inwards");
        assertEquals(0, mask.at(40 + Outpaint.SEAM_BAND, 50));
        assertEquals(0, mask.at(139, 0), "no band along sides that did not grow");
    }

    @Test
    void aspectRatioGrowsTheShortSidesEvenly() throws Exception {
        Raster square = Pictures.gradient(100);
        EditOutcome wide = outpaint.prepare(order(square, Margins.NONE, 16 / 9.0)).run(Progress.NONE);
        assertEquals(new Extent(178, 100), wide.canvas());
        assertEquals(39, wide.originX());
        EditOutcome tall = outpaint.prepare(order(square, Margins.NONE, 0.5)).run(Progress.NONE);
        assertEquals(new Extent(100, 200), tall.canvas());
        assertEquals(50, tall.originY());
    }

    @Test
    void nothingToExtendIsABadRequest() {
        Raster square = Pictures.gradient(100);
        assertEquals("extend", assertThrows(InvalidRequest.class, () -> outpaint.prepare(order(square, Margins.NONE, null))).getField());
        assertEquals("aspectRatio", assertThrows(InvalidRequest.class, () -> outpaint.prepare(order(square, Margins.NONE, 1.0))).getField());
        assertEquals("image", assertThrows(InvalidRequest.class,
                () -> outpaint.prepare(order(Pictures.gradient(1), new Margins(5, 5, 5, 5), null))).getField());
    }
}
