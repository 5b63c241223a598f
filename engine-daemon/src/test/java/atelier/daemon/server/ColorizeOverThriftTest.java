package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.JobListener;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Layer;
import atelier.bridge.thrift.LayerRole;
import atelier.bridge.thrift.Operation;
import atelier.daemon.DaemonFixture;
import atelier.daemon.DaemonPerTestClass;
import atelier.daemon.Pictures;
import atelier.daemon.classic.LineArtFlats;
import atelier.daemon.flats.FlatsScore;
import atelier.daemon.flats.LineArtScene;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.ops.Colorize;
import atelier.daemon.ops.DiffusionSettings;
import atelier.daemon.ops.EditOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** colorize through a real daemon, as the Krita plugin would use it. */
class ColorizeOverThriftTest extends DaemonPerTestClass {

    static final LineArtScene SCENE = LineArtScene.shapes(256, 256, 11, 12, 3);
    static final Raster LINES = SCENE.lineArt(LineArtScene.Ink.BLACK, 3);



    private static EditRequest colorize(Raster lines) {
        return new EditRequest(Operation.COLORIZE, Pictures.raw(lines)).setSeed(5);
    }

    private static Raster pixels(Layer layer) {
        return Raster.wrap(new Extent(layer.getPixels().getWidth(), layer.getPixels().getHeight()), layer.getPixels().getData());
    }

    @Test
    void hintedFlatsComeBackAsOneUnderlayBeneathTheLines() throws Exception {
        try (AtelierClient client = fixture.client()) {
            EditResult result = client.edit(colorize(LINES).setHints(Pictures.raw(SCENE.hints())), JobListener.SILENT);
            assertEquals("flats", result.getEngine());
            assertEquals(1, result.getLayersSize());
            Layer layer = result.getLayers().get(0);
            assertEquals(LayerRole.UNDERLAY, layer.getRole());
            Raster flats = pixels(layer);
            assertEquals(LINES.extent(), flats.extent());
            assertTrue(FlatsScore.accuracy(flats, SCENE) >= 0.97);
        }
    }

    @Test
    void flatsReachUnderEveryLinePixelSoNoWhiteHaloShows() throws Exception {
        try (AtelierClient client = fixture.client()) {
            Raster flats = pixels(client.edit(colorize(LINES).setHints(Pictures.raw(SCENE.hints())), JobListener.SILENT)
                    .getLayers().get(0));
            byte[] p = flats.rgba();
            for (int i = 0; i < SCENE.regions().length; i++) {
                if (SCENE.underLine(i)) {
                    assertEquals(255, p[i * 4 + 3] & 0xFF, "line pixel " + i + " has no flat under it");
                    int colour = ((p[i * 4] & 0xFF) << 16) | ((p[i * 4 + 1] & 0xFF) << 8) | (p[i * 4 + 2] & 0xFF);
                    assertTrue(colour != 0xFFFFFF, "white under line pixel " + i);
                }
            }
        }
    }

    @Test
    void mergedFlatsAreTheLinesMultipliedOverTheColours() throws Exception {
        try (AtelierClient client = fixture.client()) {
            EditRequest request = colorize(LINES).setHints(Pictures.raw(SCENE.hints()));
            Raster under = pixels(client.edit(request, JobListener.SILENT).getLayers().get(0));
            EditResult merged = client.edit(request.deepCopy().setFlats(FlatsOutput.MERGED), JobListener.SILENT);
            assertEquals(1, merged.getLayersSize());
            Layer layer = merged.getLayers().get(0);
            assertEquals(LayerRole.PATCH, layer.getRole());
            Raster out = pixels(layer);
            int w = LINES.width();
            int paper = SCENE.seedPixel()[0];
            int ink = -1;
            for (int i = 0; i < SCENE.coverage().length && ink < 0; i++) {
                ink = SCENE.coverage()[i] >= 1f ? i : -1;
            }
            for (int c = 0; c < 3; c++) {
                assertEquals(under.channel(paper % w, paper / w, c), out.channel(paper % w, paper / w, c), "paper shows the flat");
                assertTrue(out.channel(ink % w, ink / w, c) < 20, "ink stays dark");
            }
        }
    }

    @Test
    void perColourFlatsAreOneNamedLayerPerColour() throws Exception {
        try (AtelierClient client = fixture.client()) {
            EditRequest request = colorize(LINES).setHints(Pictures.raw(SCENE.hints()));
            Raster under = pixels(client.edit(request, JobListener.SILENT).getLayers().get(0));
            List<Layer> layers = client.edit(request.deepCopy().setFlats(FlatsOutput.PER_COLOR), JobListener.SILENT).getLayers();
            assertTrue(layers.size() > 1);
            Raster rebuilt = Raster.blank(under.extent());
            for (Layer layer : layers) {
                assertEquals(LayerRole.UNDERLAY, layer.getRole());
                Raster px = pixels(layer);
                for (int y = 0; y < px.height(); y++) {
                    for (int x = 0; x < px.width(); x++) {
                        if (px.channel(x, y, 3) != 0) {
                            String name = String.format(Locale.ROOT, "#%02x%02x%02x", px.channel(x, y, 0), px.channel(x, y, 1),
                                    px.channel(x, y, 2));
                            assertEquals(name, layer.getName());
                            int i = ((layer.getY() + y) * under.width() + layer.getX() + x) * 4;
                            assertEquals(0, rebuilt.rgba()[i + 3], "layers overlap");
                            System.arraycopy(px.rgba(), (y * px.width() + x) * 4, rebuilt.rgba(), i, 4);
                        }
                    }
                }
            }
            assertEquals(under, rebuilt, "the per-colour layers stacked are the underlay");
        }
    }

    @Test
    void withoutHintsEachVariantGetsThePaletteOfItsOwnSeed() throws Exception {
        try (AtelierClient client = fixture.client()) {
            EditResult two = client.edit(colorize(LINES).setVariants(2), JobListener.SILENT);
            assertEquals(2, two.getLayersSize());
            assertEquals(5, two.getLayers().get(0).getSeed());
            assertEquals(6, two.getLayers().get(1).getSeed());
            assertNotEquals(pixels(two.getLayers().get(0)), pixels(two.getLayers().get(1)));
            Raster again = pixels(client.edit(colorize(LINES).setSeed(6), JobListener.SILENT).getLayers().get(0));
            assertEquals(pixels(two.getLayers().get(1)), again, "variant k is the result of seed + k");
        }
    }

    private static InvalidRequest refused(EditRequest request) throws Exception {
        try (AtelierClient client = fixture.client()) {
            return assertThrows(InvalidRequest.class, () -> client.submit(request));
        }
    }

    @Test
    void badLineArtOrHintsAreRefusedNamingTheField() throws Exception {
        assertEquals("image", refused(colorize(Raster.blank(new Extent(1, 1)))).getField());
        assertEquals("image", refused(colorize(Raster.blank(new Extent(8, 64)))).getField());
        Raster blankPage = Raster.blank(new Extent(64, 64));
        java.util.Arrays.fill(blankPage.rgba(), (byte) 255);
        assertEquals("image", refused(colorize(blankPage)).getField(), "a page with no lines");
        assertEquals("image", refused(colorize(Raster.blank(new Extent(64, 64)))).getField(), "an empty transparent layer");
        Raster allInk = Raster.blank(new Extent(64, 64));
        for (int i = 3; i < allInk.rgba().length; i += 4) {
            allInk.rgba()[i] = (byte) 255;
        }
        assertEquals("image", refused(colorize(allInk)).getField(), "solid black");
        assertEquals("hints", refused(colorize(LINES).setHints(Pictures.raw(Raster.blank(LINES.extent())))).getField());
        assertEquals("variants", refused(colorize(LINES).setHints(Pictures.raw(SCENE.hints())).setVariants(2)).getField());
        assertEquals("gapClosing", refused(colorize(LINES).setGapClosing(33)).getField());
    }

    @Test
    void cancelStopsTheJobBetweenStages() throws Exception {
        EditOrder order = new EditOrder(Operation.COLORIZE, LINES, null, SCENE.hints(), "", "", 1, 1, null, 1,
                EditOrder.AUTO, null, null, false, FlatsOutput.UNDERLAY, 4, null, DiffusionSettings.DEFAULTS);
        List<String> stages = new ArrayList<>();
        var work = new Colorize(List.of(new LineArtFlats())).prepare(order);
        assertThrows(JobCancelledException.class, () -> work.run((fraction, stage) -> {
            stages.add(stage);
            if (stage.equals("labelling regions")) {
                throw new JobCancelledException();
            }
        }));
        assertEquals(List.of("closing gaps", "labelling regions"), stages, "no stage after the cancel ran");
    }
}
