package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.JobListener;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Layer;
import atelier.bridge.thrift.LayerRole;
import atelier.bridge.thrift.Operation;
import atelier.daemon.DaemonFixture;
import atelier.daemon.DaemonPerTestClass;
import atelier.daemon.Pictures;
import atelier.daemon.classic.CutoutScenes;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** remove-background through a real daemon, as the Krita plugin asks for it. */
class RemoveBackgroundOverThriftTest extends DaemonPerTestClass {





    private static EditRequest removeBackground(Raster picture) {
        return new EditRequest(Operation.REMOVE_BACKGROUND, Pictures.raw(picture));
    }

    private static Raster edit(EditRequest request) throws Exception {
        try (AtelierClient client = fixture.client()) {
            EditResult result = client.edit(request, JobListener.SILENT);
            assertEquals("cutout", result.getEngine());
            assertEquals(1, result.getLayersSize());
            Layer layer = result.getLayers().get(0);
            assertEquals(LayerRole.CUTOUT, layer.getRole());
            assertEquals(0, layer.getX());
            assertEquals(0, layer.getY());
            return Raster.wrap(new Extent(layer.getPixels().getWidth(), layer.getPixels().getHeight()), layer.getPixels().getData());
        }
    }

    private static InvalidRequest refused(EditRequest request) throws Exception {
        try (AtelierClient client = fixture.client()) {
            return assertThrows(InvalidRequest.class, () -> client.submit(request));
        }
    }

    @Test
    void iconsComeBackAsACanvasSizedCutoutWithTheirTrueAlpha() throws Exception {
        CutoutScenes.Scene scene = CutoutScenes.iconsOnWhite();
        Raster cutout = edit(removeBackground(scene.picture()));
        assertEquals(scene.picture().extent(), cutout.extent());
        double iou = CutoutScenes.alphaIou(cutout, scene.alpha());
        assertTrue(iou >= 0.95, "alpha IoU " + iou);
        assertEquals(0, cutout.channel(5, 5, 3), "the white backdrop is transparent");
        assertEquals(255, cutout.channel(60, 100, 3), "the icon is opaque");
    }

    @Test
    void alphaOnlyIsAnOpaqueGreyPictureOfTheCutoutsAlpha() throws Exception {
        CutoutScenes.Scene scene = CutoutScenes.popupOnGradient();
        Raster cutout = edit(removeBackground(scene.picture()));
        Raster grey = edit(removeBackground(scene.picture()).setAlphaOnly(true));
        for (int y = 0; y < grey.height(); y++) {
            for (int x = 0; x < grey.width(); x++) {
                assertEquals(255, grey.channel(x, y, 3));
                for (int c = 0; c < 3; c++) {
                    assertEquals(cutout.channel(x, y, 3), grey.channel(x, y, c), "pixel " + x + "," + y);
                }
            }
        }
    }

    @Test
    void keepMaskSavesAHighlightTheSameWhiteAsTheBackdrop() throws Exception {
        CutoutScenes.Scene scene = CutoutScenes.ballWithWhiteHighlightOnWhite();
        Raster unsteered = edit(removeBackground(scene.picture()));
        assertEquals(0, unsteered.channel(135, 95, 3), "without a keep mask a backdrop-white pocket is a hole");

        Mask keep = Mask.empty(scene.picture().extent());
        for (int i = 0; i < scene.alpha().length; i++) {
            keep.values()[i] = (byte) (scene.alpha()[i] > 0 ? 255 : 0);
        }
        Raster kept = edit(removeBackground(scene.picture()).setKeep(Pictures.raw(keep)));
        assertEquals(255, kept.channel(135, 95, 3), "the kept highlight is opaque");
        double iou = CutoutScenes.alphaIou(kept, scene.alpha());
        assertTrue(iou >= 0.95, "alpha IoU " + iou);
    }

    @Test
    void tinyPicturesAreRefusedNamingTheImage() throws Exception {
        assertEquals("image", refused(removeBackground(Raster.blank(new Extent(1, 1)))).getField());
        InvalidRequest e = refused(removeBackground(Raster.blank(new Extent(7, 40))));
        assertEquals("image", e.getField());
        assertTrue(e.getReason().contains("8x8"), e.getReason());
    }

    @Test
    void pictureOfOneColourOrAPlainGradientHasNothingToCut() throws Exception {
        Raster grey = Raster.blank(new Extent(64, 48));
        Arrays.fill(grey.rgba(), (byte) 128);
        InvalidRequest e = refused(removeBackground(grey));
        assertEquals("image", e.getField());
        assertTrue(e.getReason().contains("nothing to cut out"), e.getReason());
        assertEquals("image", refused(removeBackground(Pictures.gradient(100))).getField());
    }

    @Test
    void noisePhotographWithoutABackdropIsRefused() throws Exception {
        Raster noise = Raster.blank(new Extent(64, 64));
        new Random(3).nextBytes(noise.rgba());
        for (int i = 3; i < noise.rgba().length; i += 4) {
            noise.rgba()[i] = (byte) 255;
        }
        InvalidRequest e = refused(removeBackground(noise));
        assertEquals("image", e.getField());
        assertTrue(e.getReason().contains("border"), e.getReason());
    }

    @Test
    void keepMaskOverEverythingOrOverTheWholeBorderIsRefused() throws Exception {
        Raster picture = CutoutScenes.iconsOnWhite().picture();
        Mask all = Mask.empty(picture.extent());
        Arrays.fill(all.values(), (byte) 255);
        assertEquals("keep", refused(removeBackground(picture).setKeep(Pictures.raw(all))).getField());
        Mask frame = Mask.empty(picture.extent());
        for (int y = 0; y < picture.height(); y++) {
            for (int x = 0; x < picture.width(); x++) {
                if (x < 10 || y < 10 || x >= picture.width() - 10 || y >= picture.height() - 10) {
                    frame.set(x, y, 255);
                }
            }
        }
        InvalidRequest e = refused(removeBackground(picture).setKeep(Pictures.raw(frame)));
        assertEquals("keep", e.getField());
        assertTrue(e.getReason().contains("border"), e.getReason());
    }

    @Test
    void variantsAreRefusedBecauseEveryCutIsTheSame() throws Exception {
        assertEquals("variants", refused(removeBackground(CutoutScenes.iconsOnWhite().picture()).setVariants(2)).getField());
    }
}
