package atelier.daemon.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkingResolutionTest {

    private static final WorkingResolution SD = WorkingResolution.SD15;

    private static void assertHolds(Bounds outer, Bounds inner) {
        assertTrue(outer.x() <= inner.x() && outer.y() <= inner.y() && outer.right() >= inner.right()
                && outer.bottom() >= inner.bottom(), outer + " does not hold " + inner);
    }

    @Test
    void aSmallSelectionOnALargeCanvasGetsTheModelsNativeSquareAroundIt() {
        Extent canvas = new Extent(3000, 2000);
        Bounds selection = new Bounds(1400, 900, 61, 47);
        Bounds region = SD.regionAround(selection, canvas);
        assertEquals(new Extent(512, 512), region.extent());
        assertHolds(region, selection);
        assertEquals(new Extent(512, 512), SD.workingSize(region.extent()));
    }

    @Test
    void selectionsAtTheCanvasEdgesStayOnTheCanvasAndInsideTheRegion() {
        Extent canvas = new Extent(1000, 700);
        for (Bounds selection : new Bounds[] {new Bounds(0, 0, 33, 21), new Bounds(967, 0, 33, 40),
                new Bounds(0, 650, 101, 50), new Bounds(990, 690, 10, 10)}) {
            Bounds region = SD.regionAround(selection, canvas);
            assertHolds(Bounds.of(canvas), region);
            assertHolds(region, selection);
            assertEquals(new Extent(512, 512), region.extent(), selection.toString());
        }
    }

    @Test
    void aCanvasSmallerThanTheModelIsTakenWholeAndScaledUp() {
        Extent canvas = new Extent(301, 199);
        Bounds region = SD.regionAround(new Bounds(100, 50, 37, 29), canvas);
        assertEquals(Bounds.of(canvas), region);
        Extent work = SD.workingSize(region.extent());
        assertEquals(0, work.width() % 64);
        assertEquals(0, work.height() % 64);
        assertEquals(640, work.width());
        assertEquals(448, work.height());
    }

    @Test
    void aLargeSelectionIsScaledDownToAboutTheNativePixelCountKeepingItsAspect() {
        Extent canvas = new Extent(4000, 3000);
        Bounds selection = new Bounds(500, 400, 2001, 1333);
        Bounds region = SD.regionAround(selection, canvas);
        assertHolds(region, selection);
        Extent work = SD.workingSize(region.extent());
        assertEquals(0, work.width() % 64);
        assertEquals(0, work.height() % 64);
        double pixels = (double) work.width() * work.height();
        assertTrue(pixels > 0.8 * 512 * 512 && pixels < 1.25 * 512 * 512, work.toString());
        double aspect = (double) region.width() / region.height();
        assertEquals(aspect, (double) work.width() / work.height(), 0.15 * aspect);
    }

    @Test
    void oddSizedSelectionsGetWorkingSizesTheModelAccepts() {
        Extent canvas = new Extent(1999, 1777);
        for (int side = 1; side < 1700; side += 97) {
            Bounds region = SD.regionAround(new Bounds(13, 7, side, side / 2 + 3), canvas);
            Extent work = SD.workingSize(region.extent());
            assertEquals(0, work.width() % 64, region.toString());
            assertEquals(0, work.height() % 64, region.toString());
            assertTrue(work.width() >= 64 && work.height() >= 64);
        }
    }
}
