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
        boolean[] outside = regions.touchingBorder(lines);
        List<Raster> variants = new ArrayList<>();
        int unhinted = 0;
        for (long seed : seeds) {
            int[] pixels;
            int[] colour;
            if (hints != null) {
                ScribbleFlood.Colours flooded = ScribbleFlood.colours(lines, regions, hints, FlatsEngine.EMPTY_HINT);
                pixels = flooded.pixels();
                colour = flooded.regions();
            } else {
                pixels = null;
                colour = palette(regions, outside, seed);
            }
            if (pixels != null) {
                MatchingShapes.colour(colour, pixels, regions, lines, MATCHABLE_AREA);
                HintPropagation.spreadFromPixels(colour, pixels, regions, lines, borders);
            } else {
                HintPropagation.spread(colour, borders);
            }
            unhinted = (int) java.util.Arrays.stream(colour).filter(c -> c == HintPropagation.NONE).count();
            progress.step(0.85, "painting flats");
            variants.add(underTheLines(painted(regions, colour, pixels), lines));
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("regions", Integer.toString(regions.count()));
        details.put("outsideRegions", Integer.toString((int) countTrue(outside)));
        if (hints != null) {
            details.put("unreachedRegions", Integer.toString(unhinted));
        }
        details.put("gapClosing", Integer.toString(gapClosing));
        details.put("colours", hints != null ? "hints" : "palette");
        return new Flats(variants, details);
    }

    /**
     * One palette colour per region that is big enough to be a shape; specks of paper
     * between strokes (smaller than a few line widths) take their neighbour's colour.
     */
    private static int[] palette(RegionLabels regions, boolean[] outside, long seed) {
        int[] palette = FlatPalette.colours(regions.count(), seed);
        int[] colour = new int[regions.count()];
        for (int r = 0; r < colour.length; r++) {
            colour[r] = outside[r] ? HintPropagation.EMPTY
                    : regions.area()[r] >= SPECK_AREA ? palette[r] : HintPropagation.NONE;
        }
        // A shape cut in two at a waist (NeckSplit) is still one shape: one colour, unless the cut was the
        // paper around the drawing letting go of a lobe (a wing beside the body), which is a shape of its own.
        boolean[] paperFamily = new boolean[colour.length];
        for (int r = 0; r < colour.length; r++) {
            paperFamily[regions.family()[r]] |= outside[r];
        }
        for (int r = 0; r < colour.length; r++) {
            int first = regions.family()[r];
            if (first != r && !paperFamily[first] && colour[r] >= 0 && colour[first] >= 0) {
                colour[r] = colour[first];
            }
        }
        if (java.util.Arrays.stream(colour).noneMatch(c -> c >= 0)) {
            // Nothing is enclosed (a panel cut by the frame): every region but the largest, the paper, is a shape.
            int paper = 0;
            for (int r = 1; r < colour.length; r++) {
                paper = regions.area()[r] > regions.area()[paper] ? r : paper;
            }
            for (int r = 0; r < colour.length; r++) {
                colour[r] = r == paper ? HintPropagation.EMPTY
                        : regions.area()[r] >= SPECK_AREA ? palette[r] : HintPropagation.NONE;
            }
        }
        return colour;
    }

    /**
     * Flats reach under the whole width of a shape's outline, the outer half too, so no white
     * halo shows where the line's anti-aliased edge meets the paper: an ink pixel left empty
     * takes the colour of the nearest coloured pixel when that is within the widest line's
     * width. Paper beyond the line stays empty.
     */
    private static Raster underTheLines(Raster flats, LineArt lines) {
        byte[] px = flats.rgba();
        int n = px.length / 4;
        byte[] notColoured = new byte[n];
        boolean emptyInk = false;
        for (int i = 0; i < n; i++) {
            notColoured[i] = px[i * 4 + 3] == 0 ? (byte) 255 : 0;
            emptyInk |= px[i * 4 + 3] == 0 && lines.isLine(i);
        }
        if (!emptyInk) {
            return flats;
        }
        org.opencv.core.Mat mask = new org.opencv.core.Mat(lines.extent().height(), lines.extent().width(),
                org.opencv.core.CvType.CV_8UC1);
        org.opencv.core.Mat ink = GapClosing.freeSpace(lines);
        org.opencv.core.Mat inkWidth = new org.opencv.core.Mat();
        org.opencv.core.Mat distance = new org.opencv.core.Mat();
        org.opencv.core.Mat nearest = new org.opencv.core.Mat();
        try {
            // How wide the widest line is: twice the deepest ink pixel's distance to paper.
            org.opencv.core.Core.bitwise_not(ink, ink);
            org.opencv.imgproc.Imgproc.distanceTransform(ink, inkWidth, org.opencv.imgproc.Imgproc.DIST_L2, 3);
            double widest = 2 * org.opencv.core.Core.minMaxLoc(inkWidth).maxVal + 1;
            mask.put(0, 0, notColoured);
            org.opencv.imgproc.Imgproc.distanceTransformWithLabels(mask, distance, nearest,
                    org.opencv.imgproc.Imgproc.DIST_L2, org.opencv.imgproc.Imgproc.DIST_MASK_5,
                    org.opencv.imgproc.Imgproc.DIST_LABEL_PIXEL);
            float[] d = new float[n];
            distance.get(0, 0, d);
            int[] label = new int[n];
            nearest.get(0, 0, label);
            // With DIST_LABEL_PIXEL the coloured pixels are numbered 1, 2, ... in scan order.
            int[] colouredPixel = new int[n + 1];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (notColoured[i] == 0) {
                    colouredPixel[++k] = i;
                }
            }
            Raster out = flats.copy();
            byte[] o = out.rgba();
            for (int i = 0; i < n; i++) {
                if (notColoured[i] != 0 && lines.isLine(i) && d[i] <= widest) {
                    System.arraycopy(px, colouredPixel[label[i]] * 4, o, i * 4, 4);
                }
            }
            return out;
        } finally {
            mask.release();
            ink.release();
            inkWidth.release();
            distance.release();
            nearest.release();
        }
    }

    private static long countTrue(boolean[] flags) {
        long n = 0;
        for (boolean f : flags) {
            n += f ? 1 : 0;
        }
        return n;
    }

    /** Shapes smaller than this are not matched to hinted shapes by their outline (too few pixels to tell). */
    static final int MATCHABLE_AREA = 64;

    /** Regions with fewer free pixels are specks, not shapes. */
    static final int SPECK_AREA = 16;

    /** Each pixel in its own flooded colour, else its region's; transparent where that is empty or unset. */
    private static Raster painted(RegionLabels regions, int[] colour, int[] pixels) {
        Raster flats = Raster.blank(regions.extent());
        byte[] rgba = flats.rgba();
        int[] labels = regions.labels();
        for (int i = 0; i < labels.length; i++) {
            int rgb = pixels != null && pixels[i] != ScribbleFlood.UNSET ? pixels[i] : colour[labels[i]];
            if (rgb < 0) {
                continue;
            }
            rgba[i * 4] = (byte) (rgb >> 16);
            rgba[i * 4 + 1] = (byte) (rgb >> 8);
            rgba[i * 4 + 2] = (byte) rgb;
            rgba[i * 4 + 3] = (byte) 255;
        }
        return flats;
    }
}
