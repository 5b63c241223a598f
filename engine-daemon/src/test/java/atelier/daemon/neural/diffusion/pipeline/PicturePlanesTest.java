package atelier.daemon.neural.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.neural.diffusion.sampling.LatentMask;
import org.junit.jupiter.api.Test;

class PicturePlanesTest {

    private static Raster gradient(Extent extent, int shift) {
        Raster r = Raster.blank(extent);
        byte[] rgba = r.rgba();
        for (int y = 0; y < extent.height(); y++) {
            for (int x = 0; x < extent.width(); x++) {
                int i = 4 * (y * extent.width() + x);
                rgba[i] = (byte) Math.min(255, 3 * x + shift);
                rgba[i + 1] = (byte) Math.min(255, 2 * y + shift);
                rgba[i + 2] = (byte) Math.min(255, 90 + shift);
                rgba[i + 3] = (byte) 255;
            }
        }
        return r;
    }

    @Test
    void aPictureSurvivesTheTripToModelPlanesAndBack() {
        Extent size = new Extent(64, 48);
        Raster picture = gradient(size, 0);
        float[] planes = PicturePlanes.toModel(picture, size);
        assertEquals(3 * 64 * 48, planes.length);
        assertEquals(-1f, planes[0], 1e-6);
        assertEquals(picture, PicturePlanes.fromModel(planes, size, size));
    }

    @Test
    void colourMatchingRemovesADriftMeasuredOnTheKeptPixels() {
        Extent size = new Extent(40, 40);
        Raster original = gradient(size, 0);
        Raster drifted = gradient(size, 12);
        Mask selection = Mask.empty(size);
        for (int y = 10; y < 30; y++) {
            for (int x = 10; x < 30; x++) {
                selection.set(x, y, 255);
            }
        }
        Raster matched = PicturePlanes.colourMatched(drifted, original, selection);
        int blue = matched.channel(20, 20, 2);
        assertTrue(Math.abs(blue - 90) <= 1, "blue after matching " + blue);
        assertEquals(original.channel(5, 5, 1), matched.channel(5, 5, 1), 1);
    }

    @Test
    void theLatentMaskIsTheMeanCoverageOfEachEightByEightBlock() {
        Mask mask = Mask.empty(new Extent(64, 64));
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 36; x++) {
                mask.set(x, y, 255);
            }
        }
        LatentMask latent = PicturePlanes.latentMask(mask, 8, 8);
        float[] w = latent.weights();
        assertEquals(1f, w[3], 1e-6);
        assertEquals(0.5f, w[4], 0.01);
        assertEquals(0f, w[5], 1e-6);
    }

    @Test
    void lineArtBecomesWhiteLinesOnBlackWhetherDrawnOnPaperOrOnATransparentLayer() {
        Extent size = new Extent(64, 64);
        Raster onPaper = Raster.blank(size);
        Raster onTransparent = Raster.blank(size);
        byte[] paper = onPaper.rgba();
        byte[] clear = onTransparent.rgba();
        for (int p = 0; p < 64 * 64; p++) {
            boolean line = p % 64 == 20 || p % 64 == 21 || p / 64 == 40;
            for (int c = 0; c < 3; c++) {
                paper[4 * p + c] = (byte) (line ? 30 : 245);
                clear[4 * p + c] = (byte) 20;
            }
            paper[4 * p + 3] = (byte) 255;
            clear[4 * p + 3] = (byte) (line ? 255 : 0);
        }
        for (Raster drawing : new Raster[] {onPaper, onTransparent}) {
            float[] hint = PicturePlanes.lineHint(drawing, size);
            assertEquals(3 * 64 * 64, hint.length);
            assertTrue(hint[10 * 64 + 20] > 0.6f, "on the line: " + hint[10 * 64 + 20]);
            assertTrue(hint[10 * 64 + 5] < 0.1f, "on the paper: " + hint[10 * 64 + 5]);
            assertEquals(hint[10 * 64 + 20], hint[2 * 64 * 64 + 10 * 64 + 20]);
        }
    }
}
