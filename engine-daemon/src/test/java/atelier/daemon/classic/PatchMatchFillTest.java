package atelier.daemon.classic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.Pictures;
import atelier.daemon.bench.FillBenchmark;
import atelier.daemon.bench.FillTestSet;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PatchMatchFillTest {

    private final PatchMatchFill engine = new PatchMatchFill();

    @Test
    void fillKeepsTheTextureOfRealPhotosWhereBlurringFillsLoseIt() throws Exception {
        int withinRange = 0;
        List<String> report = new ArrayList<>();
        for (FillTestSet.Case c : FillTestSet.CASES) {
            Raster truth = c.truth();
            Mask hole = c.hole(truth.extent());
            Raster input = FillTestSet.withHole(truth, hole);
            Raster ours = FillBenchmark.fillLikeTheDaemon(engine, input, hole, 1);
            double sharpness = FillTestSet.sharpnessRatio(ours, truth, hole);
            report.add(c.name() + " " + sharpness);
            // Blurring fills (Telea) score 0.05 to 0.4 here; see ./bench fill for the side-by-side figures.
            assertTrue(sharpness > 0.6 && sharpness < 1.4, c.name() + ": sharpness ratio " + sharpness);
            withinRange += sharpness >= 0.7 && sharpness <= 1.4 ? 1 : 0;
        }
        // All 8 are within range for seed 1, and for 7 of seeds 1-10: coffee-saucer scores 0.65..0.80 over them (the
        // truth has the bowl of a spoon inside the hole that no fill can know about), rocket-sky 0.70..0.81 (a mast top).
        assertEquals(8, withinRange, "natural texture (0.7..1.4) on too few photos: " + report);
    }

    @Test
    void sameSeedGivesTheSameFillAndAnotherSeedAnotherOne() throws Exception {
        Raster truth = FillTestSet.CASES.get(6).truth();
        Mask hole = FillTestSet.CASES.get(6).hole(truth.extent());
        Raster first = engine.fill(truth, hole, null, 5, Progress.NONE);
        Raster again = engine.fill(truth, hole, null, 5, Progress.NONE);
        Raster other = engine.fill(truth, hole, null, 6, Progress.NONE);
        assertEquals(first, again, "a seed must reproduce its fill exactly, threads or not");
        assertNotEquals(first, other);
    }

    @Test
    void takesPatchesOnlyFromTheSampleFromRegion() throws Exception {
        // Red stripes on the left, blue stripes on the right, a hole in the middle.
        Extent extent = new Extent(200, 120);
        Raster picture = Raster.blank(extent);
        for (int y = 0; y < 120; y++) {
            for (int x = 0; x < 200; x++) {
                int i = (y * 200 + x) * 4;
                boolean stripe = (y / 4) % 2 == 0;
                picture.rgba()[i] = (byte) (x < 100 ? (stripe ? 230 : 120) : 20);
                picture.rgba()[i + 2] = (byte) (x < 100 ? 20 : (stripe ? 230 : 120));
                picture.rgba()[i + 3] = (byte) 255;
            }
        }
        Mask hole = FillTestSet.ellipse(extent, 100, 60, 30, 30);
        Mask rightOnly = Mask.empty(extent);
        for (int y = 0; y < 120; y++) {
            for (int x = 140; x < 200; x++) {
                rightOnly.set(x, y, 255);
            }
        }
        Raster filled = engine.fill(picture, hole, rightOnly, 1, Progress.NONE);
        for (int y = 0; y < 120; y++) {
            for (int x = 0; x < 200; x++) {
                if (hole.at(x, y) != 0) {
                    assertTrue(filled.channel(x, y, 2) > filled.channel(x, y, 0), "pixel " + x + "," + y + " is not from the blue side");
                }
            }
        }
    }

    @Test
    void holeTouchingTheCanvasEdgeIsFilled() throws Exception {
        Raster truth = FillTestSet.CASES.get(7).truth();
        Mask corner = FillTestSet.ellipse(truth.extent(), 0, 0, 60, 40);
        Raster input = FillTestSet.withHole(truth, corner);
        Raster filled = engine.fill(input, corner, null, 3, Progress.NONE);
        int grey = 0;
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 60; x++) {
                if (corner.at(x, y) != 0 && filled.channel(x, y, 0) == 128 && filled.channel(x, y, 1) == 128) {
                    grey++;
                }
            }
        }
        assertTrue(grey < corner.selectedPixels() / 20, grey + " hole pixels were left as they were");
    }

    @Test
    void transparentPictureGetsItsTransparencyFilledToo() throws Exception {
        Raster picture = Pictures.gradient(64);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                picture.rgba()[(y * 64 + x) * 4 + 3] = (byte) (y < 32 ? 255 : 0);
            }
        }
        Mask hole = FillTestSet.ellipse(picture.extent(), 32, 10, 8, 6);
        Raster filled = engine.fill(picture, hole, null, 1, Progress.NONE);
        assertEquals(255, filled.channel(32, 10, 3), "opaque surroundings fill opaque");
    }

    @Test
    void noWholePatchOutsideTheHoleIsAClearFailure() {
        Raster picture = Pictures.gradient(12);
        Mask hole = Pictures.centredHole(12, 0.9);
        PatchCompletion.NothingToSampleException e = assertThrows(PatchCompletion.NothingToSampleException.class,
                () -> engine.fill(picture, hole, null, 1, Progress.NONE));
        assertTrue(e.getMessage().contains("nothing to fill from"));
    }

    @Test
    void cancelStopsBetweenRounds() {
        Raster truth = Pictures.gradient(300);
        Mask hole = Pictures.centredHole(300, 0.3);
        int[] steps = {0};
        assertThrows(JobCancelledException.class, () -> engine.fill(truth, hole, null, 1, (fraction, stage) -> {
            if (++steps[0] == 3) {
                throw new JobCancelledException();
            }
        }));
        assertEquals(3, steps[0], "the engine should stop at the step that was cancelled");
    }
}
