package atelier.daemon.flats;

import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.classic.LineArtFlats;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Flats of line art drawn from known flat colours, with 3-pixel gaps in the lines and one
 * hint dab per region, give the colours back on at least 97% of all pixels, line pixels included.
 */
class FlatsQualityTest {

    @ParameterizedTest
    @EnumSource(LineArtScene.Ink.class)
    void oneDabPerRegionGivesTheTrueFlatsBack(LineArtScene.Ink ink) throws Exception {
        LineArtScene scene = LineArtScene.shapes(512, 512, 42, 32, 3);
        Raster flats = new LineArtFlats().plan(scene.lineArt(ink, 7), scene.hints(), 4)
                .paint(List.of(1L), Progress.NONE).variants().get(0);
        double accuracy = FlatsScore.accuracy(flats, scene);
        assertTrue(accuracy >= 0.97, ink + " accuracy " + accuracy);
    }

    /**
     * A 1 MP page where two shapes nearly touch and the lines close off a piece of the
     * background; it scored 0.943 while that piece had no hint of its own.
     */
    @Test
    void aMegapixelPageWithAClosedOffPieceOfBackgroundGivesTheTrueFlatsBack() throws Exception {
        LineArtScene scene = LineArtScene.shapes(1024, 1024, 42, 64, 3);
        Raster flats = new LineArtFlats().plan(scene.lineArt(LineArtScene.Ink.BLACK, 7), scene.hints(), 4)
                .paint(List.of(1L), Progress.NONE).variants().get(0);
        double accuracy = FlatsScore.accuracy(flats, scene);
        assertTrue(accuracy >= 0.97, "accuracy " + accuracy);
    }

    @ParameterizedTest
    @EnumSource(value = LineArtScene.Ink.class, names = {"BLACK", "SCANNED"})
    void gapClosingBeatsABucketFillOnTheSameDabs(LineArtScene.Ink ink) throws Exception {
        LineArtScene scene = LineArtScene.shapes(512, 512, 42, 32, 3);
        Raster art = scene.lineArt(ink, 7);
        Raster flats = new LineArtFlats().plan(art, scene.hints(), 4).paint(List.of(1L), Progress.NONE).variants().get(0);
        double bucket = FlatsScore.accuracy(BucketFill.fill(art, scene).flats(), scene);
        assertTrue(FlatsScore.accuracy(flats, scene) > bucket + 0.1, "flats should beat the leaking bucket fill " + bucket);
    }
}
