package atelier.daemon.classic;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.ops.FlatsEngine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Flatting without a model: find the ink, close small gaps with a trapped ball, label the
 * regions, then colour them from the artist's scribbles or from an automatic palette.
 */
public final class LineArtFlats implements FlatsEngine {

    @Override
    public EngineInfo info() {
        return new EngineInfo("flats", "embedded",
                "line-art flats: closed regions with gap closing, filled from hint scribbles or an automatic palette");
    }

    @Override
    public Plan plan(Raster lineArt, Raster hints, int gapClosing) throws InvalidRequest {
        LineArt lines = LineArt.of(lineArt);
        if (lines.linePixels() == 0) {
            throw new InvalidRequest("image", "no line art found: the layer is blank or too faint; send the layer with the lines");
        }
        if (lines.freePixels() == 0) {
            throw new InvalidRequest("image", "the layer is ink everywhere: there are no regions between lines to fill");
        }
        return (seeds, progress) -> paint(lines, hints, gapClosing, seeds, progress);
    }

    private static Flats paint(LineArt lines, Raster hints, int gapClosing, List<Long> seeds, Progress progress)
            throws JobCancelledException {
        progress.step(0.05, "closing gaps");
        GapClosing.Seeds ball = GapClosing.seeds(lines, gapClosing);
        progress.step(0.35, "labelling regions");
        RegionLabels regions = RegionLabels.grow(lines, ball);
        progress.step(0.7, "colouring regions");
        List<RegionLabels.Border> borders = regions.borders(lines);
        List<Raster> variants = new ArrayList<>();
        for (long seed : seeds) {
            int[] colour = hints != null ? HintPropagation.fromStrokes(hints, regions, lines) : palette(regions, seed);
            HintPropagation.spread(colour, borders);
            progress.step(0.85, "painting flats");
            variants.add(painted(regions, colour));
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("regions", Integer.toString(regions.count()));
        details.put("gapClosing", Integer.toString(gapClosing));
        details.put("colours", hints != null ? "hints" : "palette");
        return new Flats(variants, details);
    }

    /**
     * One palette colour per region that is big enough to be a shape; specks of paper
     * between strokes (smaller than a few line widths) take their neighbour's colour.
     */
    private static int[] palette(RegionLabels regions, long seed) {
        int[] palette = FlatPalette.colours(regions.count(), seed);
        int[] colour = new int[regions.count()];
        for (int r = 0; r < colour.length; r++) {
            colour[r] = regions.area()[r] >= SPECK_AREA ? palette[r] : HintPropagation.NONE;
        }
        if (java.util.Arrays.stream(colour).allMatch(c -> c == HintPropagation.NONE)) {
            colour[0] = palette[0];
        }
        return colour;
    }

    /** Regions with fewer free pixels are specks, not shapes. */
    static final int SPECK_AREA = 16;

    private static Raster painted(RegionLabels regions, int[] colour) {
        Raster flats = Raster.blank(regions.extent());
        byte[] rgba = flats.rgba();
        int[] labels = regions.labels();
        for (int i = 0; i < labels.length; i++) {
            int rgb = colour[labels[i]];
            rgba[i * 4] = (byte) (rgb >> 16);
            rgba[i * 4 + 1] = (byte) (rgb >> 8);
            rgba[i * 4 + 2] = (byte) rgb;
            rgba[i * 4 + 3] = (byte) 255;
        }
        return flats;
    }
}
