package atelier.daemon.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A cut-out with its subject, a part inside the subject's bounds, and a separate thing off to the side. */
class MainSubjectTest {

    private static void disc(Raster r, int cx, int cy, int radius) {
        for (int y = 0; y < r.height(); y++) {
            for (int x = 0; x < r.width(); x++) {
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius) {
                    r.rgba()[(y * r.width() + x) * 4 + 3] = (byte) 255;
                }
            }
        }
    }

    @Test
    void separateThingsAwayFromTheSubjectAreDroppedAndCounted() {
        Raster cut = Raster.blank(new Extent(400, 300));
        disc(cut, 150, 150, 80);   // the subject
        disc(cut, 215, 215, 12);   // a separate part inside the subject's bounds (a handle's end)
        for (int y = 60; y < 80; y++) {
            for (int x = 140; x < 160; x++) {
                cut.rgba()[(y * 400 + x) * 4 + 3] = 0; // a gap so the part is separate
            }
        }
        disc(cut, 340, 60, 30);    // a cup in the corner
        MainSubject.Kept kept = MainSubject.keep(cut);
        assertEquals(1, kept.dropped());
        assertEquals(255, cut.channel(150, 150, 3) & 0xff, "the subject stays");
        assertEquals(255, cut.channel(215, 215, 3) & 0xff, "the part overlapping the subject's bounds stays");
        assertEquals(0, cut.channel(340, 60, 3), "the cup goes");
    }

    @Test
    void aSecondThingNearlyAsLargeIsASubjectToo() {
        Raster cut = Raster.blank(new Extent(400, 200));
        disc(cut, 90, 100, 60);
        disc(cut, 310, 100, 55);
        assertEquals(0, MainSubject.keep(cut).dropped());
        assertEquals(255, cut.channel(310, 100, 3) & 0xff);
    }
}
