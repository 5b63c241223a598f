package atelier.daemon.flats;

import atelier.daemon.image.Extent;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import java.util.ArrayDeque;
import java.util.Random;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.imgproc.Imgproc;

/**
 * A known flat-colour picture and line art drawn from it, the way an inker would: anti-
 * aliased lines along every border between colours, with a few small gaps. Flatting the
 * line art should give the flat colours back.
 *
 * @param truth     the flat colours, opaque
 * @param regions   the true region of every pixel, 0..regionCount-1: connected pieces of one colour,
 *                  split where the lines part them (see {@link #splitWhereLinesPart})
 * @param seedPixel per region, the pixel deepest inside it, where a hint goes
 * @param coverage  per pixel, how much ink the lines put there (0..1)
 */
public record LineArtScene(Extent extent, Raster truth, int[] regions, int regionCount, int[] seedPixel,
                           float[] coverage) {

    /** How the lines look on the page. */
    public enum Ink { BLACK, GREY, COLOURED, SCANNED, TRANSPARENT }

    /** Half the line width: lines come out two to three pixels wide, the usual inked weight at this scale. */
    private static final double HALF_WIDTH = 1.7;

    /**
     * Shapes over a background: overlapping ellipses and rectangles, and thin stripes
     * (6 and 9 pixels wide) such as a strap or a sword's edge. Scales with the size.
     * {@code gaps} line breaks of {@code gapWidth} pixels are cut at random border points.
     */
    public static LineArtScene shapes(int width, int height, long seed, int gaps, int gapWidth) {
        OpenCvNatives.load();
        Extent extent = new Extent(width, height);
        int[] colourOf = new int[width * height];
        Random random = new Random(seed);
        int shapes = Math.max(6, (int) (extent.pixels() / 40_000));
        int next = 1;
        for (int s = 0; s < shapes; s++, next++) {
            int cx = random.nextInt(width), cy = random.nextInt(height);
            int rx = 20 + random.nextInt(Math.max(1, Math.min(width, height) / 5));
            int ry = 20 + random.nextInt(Math.max(1, Math.min(width, height) / 5));
            boolean ellipse = random.nextBoolean();
            for (int y = Math.max(0, cy - ry); y < Math.min(height, cy + ry); y++) {
                for (int x = Math.max(0, cx - rx); x < Math.min(width, cx + rx); x++) {
                    double dx = (x - cx) / (double) rx, dy = (y - cy) / (double) ry;
                    if (!ellipse || dx * dx + dy * dy <= 1) {
                        colourOf[y * width + x] = next;
                    }
                }
            }
        }
        for (int stripe : new int[] {6, 9}) {
            int y0 = height * (stripe == 6 ? 1 : 2) / 3;
            int x0 = width / 8, x1 = width - width / 8;
            for (int y = y0; y < y0 + stripe; y++) {
                for (int x = x0; x < x1; x++) {
                    colourOf[y * width + x] = next;
                }
            }
            next++;
        }
        int[] palette = new int[next];
        for (int c = 0; c < next; c++) {
            palette[c] = new Random(seed * 31 + c).nextInt(0x1000000);
        }
        Raster truth = Raster.blank(extent);
        for (int i = 0; i < colourOf.length; i++) {
            int rgb = palette[colourOf[i]];
            truth.rgba()[i * 4] = (byte) (rgb >> 16);
            truth.rgba()[i * 4 + 1] = (byte) (rgb >> 8);
            truth.rgba()[i * 4 + 2] = (byte) rgb;
            truth.rgba()[i * 4 + 3] = (byte) 255;
        }
        int[] regions = new int[colourOf.length];
        int regionCount = components(colourOf, width, height, regions, null);
        float[] toBorder = distanceToBorder(colourOf, width, height);
        float[] coverage = new float[colourOf.length];
        for (int i = 0; i < coverage.length; i++) {
            coverage[i] = (float) Math.max(0, Math.min(1, HALF_WIDTH - toBorder[i]));
        }
        cutGaps(coverage, toBorder, width, height, gaps, gapWidth, random);
        regionCount = splitWhereLinesPart(regions, regionCount, colourOf, coverage, width, height);
        int[] seedPixel = new int[regionCount];
        float[] depth = new float[regionCount];
        java.util.Arrays.fill(depth, -1);
        for (int i = 0; i < regions.length; i++) {
            if (toBorder[i] > depth[regions[i]]) {
                depth[regions[i]] = toBorder[i];
                seedPixel[regions[i]] = i;
            }
        }
        return new LineArtScene(extent, truth, regions, regionCount, seedPixel, coverage);
    }

    /** The line art as the artist's layer holds it. */
    public Raster lineArt(Ink ink, long seed) {
        Raster art = Raster.blank(extent);
        byte[] p = art.rgba();
        Random noise = new Random(seed);
        int[] inkRgb = switch (ink) {
            case BLACK, TRANSPARENT -> new int[] {15, 15, 15};
            case GREY -> new int[] {115, 115, 115};
            case COLOURED -> new int[] {40, 70, 170};
            case SCANNED -> new int[] {40, 34, 38};
        };
        for (int i = 0; i < coverage.length; i++) {
            double a = coverage[i];
            int y = i / extent.width();
            for (int c = 0; c < 3; c++) {
                double paper = 255;
                if (ink == Ink.SCANNED) {
                    // Cream paper, lit a little unevenly from top to bottom, with sensor noise.
                    paper = new int[] {238, 232, 214}[c] - 10.0 * y / extent.height();
                }
                double v = ink == Ink.TRANSPARENT ? inkRgb[c] : paper * (1 - a) + inkRgb[c] * a;
                if (ink == Ink.SCANNED) {
                    v += noise.nextGaussian() * 6;
                }
                p[i * 4 + c] = (byte) Math.max(0, Math.min(255, Math.round(v)));
            }
            p[i * 4 + 3] = (byte) (ink == Ink.TRANSPARENT ? Math.round(a * 255) : 255);
        }
        return art;
    }

    /** One hint per region: a small dab of the region's true colour deep inside it, on transparent. */
    public Raster hints() {
        Raster hints = Raster.blank(extent);
        int w = extent.width();
        for (int region = 0; region < regionCount; region++) {
            int centre = seedPixel[region];
            int cx = centre % w, cy = centre / w;
            for (int y = Math.max(0, cy - 3); y <= Math.min(extent.height() - 1, cy + 3); y++) {
                for (int x = Math.max(0, cx - 3); x <= Math.min(w - 1, cx + 3); x++) {
                    int i = y * w + x;
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= 9 && regions[i] == region && coverage[i] == 0) {
                        System.arraycopy(truth.rgba(), i * 4, hints.rgba(), i * 4, 4);
                    }
                }
            }
            System.arraycopy(truth.rgba(), centre * 4, hints.rgba(), centre * 4, 4);
        }
        return hints;
    }

    /** Whether a pixel lies under a drawn line. */
    public boolean underLine(int pixel) {
        return coverage[pixel] > 0;
    }

    /** Pieces of a region the lines cut off smaller than this are slivers at line ends, not shapes. */
    public static final int SHAPE_AREA = 64;

    /**
     * Where two shapes nearly touch, a region of one colour can be joined only by a sliver
     * that the lines ink over entirely: the artist sees two regions there and puts a hint in
     * each. Every piece of a region that the lines part from its largest piece, and that is
     * big enough to be a shape, becomes a region of its own.
     */
    private static int splitWhereLinesPart(int[] regions, int regionCount, int[] colourOf, float[] coverage, int w, int h) {
        boolean[] underLine = new boolean[coverage.length];
        for (int i = 0; i < coverage.length; i++) {
            underLine[i] = coverage[i] > 0;
        }
        int[] piece = new int[regions.length];
        int pieces = components(colourOf, w, h, piece, underLine);
        int[] size = new int[pieces];
        int[] regionOf = new int[pieces];
        for (int i = 0; i < piece.length; i++) {
            if (piece[i] >= 0) {
                size[piece[i]]++;
                regionOf[piece[i]] = regions[i];
            }
        }
        int[] largest = new int[regionCount];
        java.util.Arrays.fill(largest, -1);
        for (int p = 0; p < pieces; p++) {
            if (largest[regionOf[p]] < 0 || size[p] > size[largest[regionOf[p]]]) {
                largest[regionOf[p]] = p;
            }
        }
        int[] newRegion = new int[pieces];
        java.util.Arrays.fill(newRegion, -1);
        for (int p = 0; p < pieces; p++) {
            if (p != largest[regionOf[p]] && size[p] >= SHAPE_AREA) {
                newRegion[p] = regionCount++;
            }
        }
        for (int i = 0; i < piece.length; i++) {
            if (piece[i] >= 0 && newRegion[piece[i]] >= 0) {
                regions[i] = newRegion[piece[i]];
            }
        }
        return regionCount;
    }

    /** Connected pieces (4-neighbours) of equal colour; pixels marked {@code skip} (when given) belong to none (-1). */
    private static int components(int[] colourOf, int w, int h, int[] out, boolean[] skip) {
        java.util.Arrays.fill(out, -1);
        ArrayDeque<Integer> stack = new ArrayDeque<>();
        int count = 0;
        for (int start = 0; start < out.length; start++) {
            if (out[start] >= 0 || (skip != null && skip[start])) {
                continue;
            }
            out[start] = count;
            stack.push(start);
            while (!stack.isEmpty()) {
                int i = stack.pop();
                int x = i % w, y = i / w;
                int[] around = {x > 0 ? i - 1 : -1, x + 1 < w ? i + 1 : -1, y > 0 ? i - w : -1, y + 1 < h ? i + w : -1};
                for (int j : around) {
                    if (j >= 0 && out[j] < 0 && colourOf[j] == colourOf[i] && (skip == null || !skip[j])) {
                        out[j] = count;
                        stack.push(j);
                    }
                }
            }
            count++;
        }
        return count;
    }

    /** Per pixel, roughly how far its centre is from the nearest border between colours (0.5 next to one). */
    private static float[] distanceToBorder(int[] colourOf, int w, int h) {
        byte[] notBorder = new byte[colourOf.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                boolean border = (x + 1 < w && colourOf[i + 1] != colourOf[i]) || (x > 0 && colourOf[i - 1] != colourOf[i])
                        || (y + 1 < h && colourOf[i + w] != colourOf[i]) || (y > 0 && colourOf[i - w] != colourOf[i]);
                notBorder[i] = border ? 0 : (byte) 255;
            }
        }
        Mat in = new Mat(h, w, CvType.CV_8UC1);
        Mat dist = new Mat();
        in.put(0, 0, notBorder);
        Imgproc.distanceTransform(in, dist, Imgproc.DIST_L2, Imgproc.DIST_MASK_PRECISE);
        float[] out = new float[colourOf.length];
        dist.get(0, 0, out);
        in.release();
        dist.release();
        for (int i = 0; i < out.length; i++) {
            out[i] += 0.5f;
        }
        return out;
    }

    private static void cutGaps(float[] coverage, float[] toBorder, int w, int h, int gaps, int gapWidth, Random random) {
        double radius = gapWidth / 2.0;
        for (int cut = 0; cut < gaps; ) {
            int i = random.nextInt(coverage.length);
            if (toBorder[i] > 0.5f) {
                continue;
            }
            cut++;
            int cx = i % w, cy = i / w;
            int r = (int) Math.ceil(radius + HALF_WIDTH + 1);
            for (int y = Math.max(0, cy - r); y <= Math.min(h - 1, cy + r); y++) {
                for (int x = Math.max(0, cx - r); x <= Math.min(w - 1, cx + r); x++) {
                    // A break across the line: gapWidth along it, the full line weight across.
                    if (Math.hypot(x - cx, y - cy) <= radius) {
                        coverage[y * w + x] = 0;
                    }
                }
            }
        }
    }
}
