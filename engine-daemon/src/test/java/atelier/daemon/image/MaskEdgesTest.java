package atelier.daemon.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MaskEdgesTest {

    private static Mask square(Extent extent, Bounds selected) {
        Mask mask = Mask.empty(extent);
        for (int y = selected.y(); y < selected.bottom(); y++) {
            for (int x = selected.x(); x < selected.right(); x++) {
                mask.set(x, y, 255);
            }
        }
        return mask;
    }

    @Test
    void growingWidensTheSelectionByTheRadiusOnEverySide() {
        Mask mask = square(new Extent(40, 30), new Bounds(10, 8, 5, 4));
        assertEquals(new Bounds(7, 5, 11, 10), mask.grown(3).bounds());
        assertEquals(new Bounds(0, 0, 40, 30), mask.grown(100).bounds());
        assertEquals(mask.bounds(), mask.grown(0).bounds());
    }

    @Test
    void featheringFadesTheEdgeBothWaysAndKeepsTheMiddleAndFarAwayUntouched() {
        Mask mask = square(new Extent(80, 80), new Bounds(20, 20, 40, 40));
        Mask soft = mask.feathered(3);
        assertEquals(255, soft.at(40, 40));
        assertEquals(0, soft.at(5, 5));
        int inside = soft.at(20, 40);
        int outside = soft.at(19, 40);
        assertTrue(inside > 128 && inside < 255, "just inside the edge: " + inside);
        assertTrue(outside > 0 && outside < 128, "just outside the edge: " + outside);
        for (int x = 10; x < 40; x++) {
            assertTrue(soft.at(x, 40) <= soft.at(x + 1, 40), "rises towards the middle at " + x);
        }
    }
}
