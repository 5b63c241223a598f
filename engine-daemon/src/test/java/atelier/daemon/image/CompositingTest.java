package atelier.daemon.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CompositingTest {

    private static Raster noise(Extent extent, long seed) {
        Raster raster = Raster.blank(extent);
        new SplittableRandom(seed).nextBytes(raster.rgba());
        return raster;
    }

    @Test
    void pixelsWhereTheMaskIsZeroAreBitIdenticalAndFullySelectedOnesAreTheEdit() {
        Extent extent = new Extent(50, 40);
        Raster original = noise(extent, 1);
        Mask mask = Mask.empty(extent);
        SplittableRandom random = new SplittableRandom(2);
        for (int y = 10; y < 30; y++) {
            for (int x = 5; x < 45; x++) {
                mask.set(x, y, random.nextInt(3) == 0 ? 0 : random.nextInt(3) == 0 ? 255 : random.nextInt(256));
            }
        }
        Bounds region = new Bounds(5, 10, 40, 20);
        Raster edit = noise(region.extent(), 3);
        Raster out = Compositing.blendInside(original, edit, mask, region);
        for (int y = 0; y < region.height(); y++) {
            for (int x = 0; x < region.width(); x++) {
                int weight = mask.at(region.x() + x, region.y() + y);
                for (int c = 0; c < 4; c++) {
                    int from = original.channel(region.x() + x, region.y() + y, c);
                    int to = edit.channel(x, y, c);
                    int expected = weight == 0 ? from : weight == 255 ? to : (int) Math.round(from + (to - from) * weight / 255.0);
                    assertEquals(expected, out.channel(x, y, c), 1e-9 + (weight == 0 || weight == 255 ? 0 : 1),
                            "pixel " + x + "," + y + " weight " + weight);
                }
            }
        }
    }

    @Test
    void halfSelectedPixelIsHalfway() {
        Extent one = new Extent(1, 1);
        Raster black = Raster.wrap(one, new byte[] {0, 0, 0, (byte) 255});
        Raster white = Raster.wrap(one, new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255});
        Mask half = Mask.wrap(one, new byte[] {(byte) 128});
        Raster out = Compositing.blendInside(black, white, half, Bounds.of(one));
        assertEquals(128, out.channel(0, 0, 0));
        assertEquals(255, out.channel(0, 0, 3));
    }
}
