package atelier.daemon.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RegionMathTest {

    private static final Extent CANVAS = new Extent(640, 420);

    @Test
    void contextIsTheSelectionPlusPaddingOnEverySide() {
        Bounds selection = new Bounds(300, 200, 40, 30);
        Bounds context = new ContextRegion(16, 0, 1).around(selection, CANVAS);
        assertEquals(new Bounds(284, 184, 72, 62), context);
    }

    @Test
    void contextAtTheCanvasEdgeIsClampedAndStillHoldsTheSelection() {
        Bounds corner = new Bounds(0, 410, 7, 10);
        Bounds context = new ContextRegion(32, 0.5, 1).around(corner, CANVAS);
        assertEquals(0, context.x());
        assertEquals(420, context.bottom());
        assertEquals(context, context.clamp(CANVAS));
        assertEquals(corner, corner.intersect(context));
    }

    @Test
    void contextSnapsToTheEngineMultipleWhereTheCanvasAllows() {
        Bounds odd = new Bounds(101, 57, 33, 17);
        Bounds context = new ContextRegion(8, 0, 64).around(odd, CANVAS);
        assertEquals(0, context.width() % 64);
        assertEquals(0, context.height() % 64);
        assertEquals(odd, odd.intersect(context), "the selection stays inside");
        Bounds wholeSide = new ContextRegion(8, 0, 64).around(new Bounds(600, 0, 40, 420), CANVAS);
        assertEquals(420, wholeSide.height(), "420 is not a multiple of 64: the canvas wins");
        assertEquals(640, wholeSide.right());
    }

    @Test
    void paddingGrowsWithTheSelection() {
        Bounds big = new Bounds(200, 100, 200, 100);
        Bounds context = new ContextRegion(8, 0.25, 1).around(big, CANVAS);
        assertEquals(new Bounds(150, 50, 300, 200), context);
    }

    @Test
    void relativeToMovesIntoTheRegionsCoordinates() {
        assertEquals(new Bounds(16, 16, 40, 30), new Bounds(300, 200, 40, 30).relativeTo(new Bounds(284, 184, 72, 62)));
    }

    @Test
    void unionHoldsBothAndIgnoresEmptyBounds() {
        assertEquals(new Bounds(0, 0, 30, 40), new Bounds(0, 0, 10, 10).union(new Bounds(20, 30, 10, 10)));
        assertEquals(new Bounds(5, 5, 2, 2), new Bounds(5, 5, 2, 2).union(new Bounds(0, 0, 0, 0)));
    }

    @Test
    void disjointBoundsIntersectToEmpty() {
        assertTrue(new Bounds(0, 0, 10, 10).intersect(new Bounds(20, 20, 5, 5)).isEmpty());
    }

    @Test
    void maskBoundsCoverEverySelectedPixelAndNoMore() {
        Mask mask = Mask.empty(new Extent(10, 8));
        mask.set(2, 3, 1);
        mask.set(7, 5, 255);
        assertEquals(new Bounds(2, 3, 6, 3), mask.bounds());
        assertTrue(Mask.empty(new Extent(4, 4)).bounds().isEmpty());
    }
}
