package atelier.daemon.flats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.classic.FlatPalette;
import atelier.daemon.classic.GapClosing;
import atelier.daemon.classic.HintPropagation;
import atelier.daemon.classic.LineArt;
import atelier.daemon.classic.LineArtFlats;
import atelier.daemon.classic.LineArtFlats;
import atelier.daemon.classic.RegionLabels;
import atelier.daemon.classic.ScribbleFlood;
import atelier.daemon.ops.FlatsEngine;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import atelier.daemon.jobs.Progress;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Each step of flatting on its own. */
class FlatsStepsTest {

    /** A 64x64 white page with a dark ring (radius 20, 3 px wide) and a gap of {@code gap} pixels at its right. */
    static Raster ringWithGap(int gap) {
        return ring(20, gap, false);
    }

    /**
     * A ring of {@code ink} grey on white with a break of {@code gap} pixels at its right;
     * with {@code stub}, one pixel of line is left across the middle of the break, as when
     * two short breaks are cut close together.
     */
    static Raster ring(int ink, int gap, boolean stub) {
        Raster page = Raster.blank(new Extent(64, 64));
        byte[] p = page.rgba();
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                int i = (y * 64 + x) * 4;
                double r = Math.hypot(x - 32, y - 32);
                boolean broken = x > 40 && Math.abs(y - 32) * 2 < gap && !(stub && y == 32);
                boolean line = Math.abs(r - 20) <= 1.5 && !broken;
                Arrays.fill(p, i, i + 3, (byte) (line ? ink : 255));
                p[i + 3] = (byte) 255;
            }
        }
        return page;
    }

    @ParameterizedTest
    @EnumSource(LineArtScene.Ink.class)
    void inkIsFoundWhateverTheLinesAndPaperLookLike(LineArtScene.Ink ink) {
        LineArtScene scene = LineArtScene.shapes(256, 256, 3, 0, 0);
        LineArt lines = LineArt.of(scene.lineArt(ink, 5));
        int cores = 0, coresFound = 0, paper = 0, paperAsInk = 0;
        for (int i = 0; i < scene.coverage().length; i++) {
            if (scene.coverage()[i] >= 0.9f) {
                cores++;
                coresFound += lines.isLine(i) ? 1 : 0;
            } else if (scene.coverage()[i] == 0 && !nearLine(scene, i)) {
                paper++;
                paperAsInk += lines.isLine(i) ? 1 : 0;
            }
        }
        assertTrue(coresFound >= 0.98 * cores, ink + ": line cores found " + coresFound + " of " + cores);
        assertTrue(paperAsInk <= 0.001 * paper, ink + ": paper taken for ink " + paperAsInk + " of " + paper);
    }

    private static boolean nearLine(LineArtScene scene, int i) {
        int w = scene.extent().width();
        for (int d : new int[] {-2, -1, 1, 2, -2 * w, -w, w, 2 * w}) {
            int j = i + d;
            if (j >= 0 && j < scene.coverage().length && scene.coverage()[j] > 0) {
                return true;
            }
        }
        return false;
    }

    @Test
    void gapClosingKeepsAnOpenRingApartFromThePageAroundIt() {
        LineArt lines = LineArt.of(ringWithGap(3));
        RegionLabels closed = RegionLabels.grow(lines, GapClosing.seeds(lines, 4));
        assertEquals(2, closed.count(), "inside and outside the ring");
        assertNotEquals(closed.at(32, 32), closed.at(2, 2));
        RegionLabels open = RegionLabels.grow(lines, GapClosing.seeds(lines, 0));
        assertEquals(1, open.count(), "without gap closing the inside leaks out");
    }

    @ParameterizedTest
    @ValueSource(ints = {20, 140})
    void twoBreaksCloseTogetherCloseAsTwoGapsInGreyAsInBlack(int ink) {
        // Two 3-pixel breaks with a 1-pixel stub between: the stub must stay ink, or they read as one 7-pixel gap.
        LineArt lines = LineArt.of(ring(ink, 7, true));
        RegionLabels regions = RegionLabels.grow(lines, GapClosing.seeds(lines, 4));
        assertNotEquals(regions.at(32, 32), regions.at(2, 2), "the ring's inside leaked out through the breaks");
    }

    @Test
    void greyLinesAreFoundAsWideAsTheSameLinesInBlack() {
        LineArtScene scene = LineArtScene.shapes(256, 256, 3, 16, 3);
        LineArt black = LineArt.of(scene.lineArt(LineArtScene.Ink.BLACK, 5));
        LineArt grey = LineArt.of(scene.lineArt(LineArtScene.Ink.GREY, 5));
        int both = 0;
        for (int i = 0; i < black.line().length; i++) {
            both += black.isLine(i) && grey.isLine(i) ? 1 : 0;
        }
        assertTrue(both >= 0.95 * black.linePixels() && grey.linePixels() <= 1.05 * black.linePixels(),
                "grey ink " + grey.linePixels() + " px, black " + black.linePixels() + " px, in both " + both);
    }

    @Test
    void aBlankScannedPageIsNotStretchedIntoLines() {
        LineArtScene drawn = LineArtScene.shapes(256, 256, 3, 0, 0);
        LineArtScene blank = new LineArtScene(drawn.extent(), drawn.truth(), drawn.regions(), drawn.regionCount(),
                drawn.seedPixel(), new float[drawn.coverage().length]);
        LineArt lines = LineArt.of(blank.lineArt(LineArtScene.Ink.SCANNED, 5));
        assertTrue(lines.linePixels() <= 0.001 * lines.line().length, "paper grain read as ink: " + lines.linePixels());
    }

    @Test
    void aGapNearlyAsWideAsTheShapeStaysOpen() {
        LineArt lines = LineArt.of(ringWithGap(30));
        RegionLabels regions = RegionLabels.grow(lines, GapClosing.seeds(lines, 4));
        assertEquals(regions.at(32, 32), regions.at(2, 2));
    }

    @Test
    void aShapeMuchWiderThanItsOpeningIsAShapeThoughTheGapIsWiderThanAsked() {
        // A 12-pixel gap in a ring 40 pixels across: the ball passes, but the ring's mouth is a neck.
        LineArt lines = LineArt.of(ringWithGap(12));
        RegionLabels regions = RegionLabels.grow(lines, GapClosing.seeds(lines, 4));
        assertNotEquals(regions.at(32, 32), regions.at(2, 2));
        assertFalse(regions.touchingBorder(lines)[regions.at(32, 32)], "the ring's inside is not paper around the drawing");
    }

    @Test
    void regionsMeetAtTheLineCentreSoFlatsLeaveNoHalo() {
        LineArt lines = LineArt.of(ringWithGap(0));
        RegionLabels regions = RegionLabels.grow(lines, GapClosing.seeds(lines, 4));
        int inside = regions.at(32, 32), outside = regions.at(2, 2);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                double r = Math.hypot(x - 32, y - 32);
                if (r < 19.4) {
                    assertEquals(inside, regions.at(x, y), "inside the ring's centre line at " + x + "," + y);
                } else if (r > 20.6) {
                    assertEquals(outside, regions.at(x, y), "outside the ring's centre line at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void aScribbleColoursItsRegionAndTheRestTakeTheMostOpenlyJoinedNeighbour() {
        // Region 1 is joined to 0 across a gap (open) and to 2 along a long line.
        int[] colour = {0xff0000, HintPropagation.NONE, 0x0000ff};
        List<RegionLabels.Border> borders = List.of(new RegionLabels.Border(0, 1, 5 * 65537L),
                new RegionLabels.Border(1, 2, 900));
        assertArrayEquals(new int[] {0xff0000, 0xff0000, 0x0000ff}, HintPropagation.spread(colour, borders));
    }

    @Test
    void strokesVoteForTheirRegionAndIgnoreTheirSoftFringe() {
        LineArt lines = LineArt.of(ringWithGap(0));
        RegionLabels regions = RegionLabels.grow(lines, GapClosing.seeds(lines, 4));
        Raster hints = Raster.blank(new Extent(64, 64));
        paint(hints, 30, 30, 0x22aa44, 255);
        paint(hints, 31, 30, 0x22aa44, 255);
        paint(hints, 5, 5, 0x123456, 60);
        int[] colour = ScribbleFlood.colours(lines, regions, hints, FlatsEngine.EMPTY_HINT).regions();
        assertEquals(0x22aa44, colour[regions.at(32, 32)]);
        assertEquals(HintPropagation.EMPTY, colour[regions.at(2, 2)], "a 25% opaque fringe is no stroke: the paper stays empty");
    }

    private static void paint(Raster raster, int x, int y, int rgb, int alpha) {
        int i = (y * raster.width() + x) * 4;
        raster.rgba()[i] = (byte) (rgb >> 16);
        raster.rgba()[i + 1] = (byte) (rgb >> 8);
        raster.rgba()[i + 2] = (byte) rgb;
        raster.rgba()[i + 3] = (byte) alpha;
    }

    /**
     * Two wheels and a bar of the same area, apart from each other on white paper; one scribble
     * in the left wheel. The other wheel has the same outline and takes the colour; the bar does
     * not match and, touching only the paper, stays empty.
     */
    @Test
    void aShapeNobodyHintedTakesTheColourOfTheHintedShapeItMatches() throws Exception {
        Raster page = Raster.blank(new Extent(240, 100));
        byte[] p = page.rgba();
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 240; x++) {
                double left = Math.hypot(x - 40, y - 50), right = Math.hypot(x - 120, y - 50);
                // The bar: 24 x 84 outer edge, about the wheels' area inside its 2-px line.
                boolean bar = x >= 188 && x < 212 && y >= 8 && y < 92 && !(x >= 190 && x < 210 && y >= 10 && y < 90);
                boolean line = Math.abs(left - 24) <= 1 || Math.abs(right - 24) <= 1 || bar;
                Arrays.fill(p, (y * 240 + x) * 4, (y * 240 + x) * 4 + 3, (byte) (line ? 0 : 255));
                p[(y * 240 + x) * 4 + 3] = (byte) 255;
            }
        }
        Raster hints = Raster.blank(page.extent());
        for (int x = 34; x < 46; x++) {
            paint(hints, x, 50, 0x3366cc, 255);
        }
        Raster flats = new LineArtFlats().plan(page, hints, 4).paint(List.of(1L), Progress.NONE).variants().get(0);
        byte[] f = flats.rgba();
        int other = (50 * 240 + 120) * 4, bar = (50 * 240 + 200) * 4;
        assertEquals(255, f[other + 3] & 0xFF, "the second wheel took no colour");
        assertEquals(0x3366cc, ((f[other] & 0xFF) << 16) | ((f[other + 1] & 0xFF) << 8) | (f[other + 2] & 0xFF));
        assertEquals(0, f[bar + 3], "the bar does not match a wheel");
    }

    /**
     * A closed dumbbell: two discs joined by a narrow channel, no hints. The neck split cuts it in
     * two regions (a scribble in one disc could then stop at the waist), but the automatic palette
     * gives the one shape one colour.
     */
    @Test
    void aShapeWithAWaistIsOneColourInTheAutomaticPalette() throws Exception {
        int w = 200, h = 100;
        java.util.function.BiPredicate<Integer, Integer> inside = (x, y) -> Math.hypot(x - 50, y - 50) < 30
                || Math.hypot(x - 150, y - 50) < 30 || (x >= 50 && x <= 150 && Math.abs(y - 50) < 5);
        Raster page = Raster.blank(new Extent(w, h));
        byte[] p = page.rgba();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean line = false;
                for (int dy = -2; dy <= 2 && !line && !inside.test(x, y); dy++) {
                    for (int dx = -2; dx <= 2 && !line; dx++) {
                        line = inside.test(x + dx, y + dy);
                    }
                }
                Arrays.fill(p, (y * w + x) * 4, (y * w + x) * 4 + 3, (byte) (line ? 0 : 255));
                p[(y * w + x) * 4 + 3] = (byte) 255;
            }
        }
        LineArt lines = LineArt.of(page);
        RegionLabels regions = RegionLabels.grow(lines, GapClosing.seeds(lines, 4));
        assertNotEquals(regions.at(50, 50), regions.at(150, 50), "the waist is a neck");
        Raster flats = new LineArtFlats().plan(page, null, 4).paint(List.of(1L), Progress.NONE).variants().get(0);
        byte[] f = flats.rgba();
        int left = (50 * w + 50) * 4, right = (50 * w + 150) * 4;
        assertEquals(255, f[left + 3] & 0xFF);
        assertArrayEquals(Arrays.copyOfRange(f, left, left + 4), Arrays.copyOfRange(f, right, right + 4),
                "both ends of the dumbbell should have one colour");
    }

    @Test
    void paletteIsDistinctAndTheSameForTheSameSeed() {
        int[] colours = FlatPalette.colours(500, 9);
        Set<Integer> distinct = new HashSet<>();
        Arrays.stream(colours).forEach(distinct::add);
        assertEquals(500, distinct.size());
        assertArrayEquals(colours, FlatPalette.colours(500, 9));
        assertNotEquals(colours[0], FlatPalette.colours(500, 10)[0]);
    }
}
