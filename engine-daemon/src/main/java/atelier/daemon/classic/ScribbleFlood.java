package atelier.daemon.classic;

import atelier.daemon.image.Extent;
import atelier.daemon.image.Raster;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.opencv.core.Mat;
import org.opencv.imgproc.Imgproc;

/**
 * Colours each region from the scribbles inside it, splitting a region that holds several
 * colours the way the drawing suggests, and keeping the paper around the drawing empty.
 *
 * <p>Every scribble colour in a region is a flood, and so is the paper where the region
 * touches the canvas border ("outside"). The floods rise from the scribbles through the free
 * space widest place first (a priority flood on the distance to the nearest ink), so two
 * floods meet at the narrowest place between their scribbles: an open stroke's end, a weak
 * line, a leaked gap. An outside that a colour borders more openly than its lines is a
 * hinted background, such as a sky that touches the frame: the colour takes it all.
 */
public final class ScribbleFlood {

    /** A pixel no flood reached: its region had no scribble and does not touch the border. */
    public static final int UNSET = HintPropagation.NONE;
    /** A pixel that stays transparent: outside the drawing, or hinted empty. */
    public static final int EMPTY = HintPropagation.EMPTY;

    /**
     * A colour whose border with the outside is shorter than this share of its border with
     * the lines is a lobe of the drawing, not paint on the paper (see {@link #hintedBackgrounds}).
     */
    static final double LOBE = 1.0;

    /** A colour needs this share of the votes of its region's leading colour to split the region. */
    static final double SPLIT_SHARE = 0.1;



    /** Two levels of sqrt(2): the frame's paper counts half as wide as it is (see {@link #flood}). */
    static final int OUTSIDE_HANDICAP = 2;

    private ScribbleFlood() {
    }

    /** Every pixel's colour, and each region's. */
    public static Colours colours(LineArt lines, RegionLabels regions, Raster hints, int emptyHint) {
        Extent extent = lines.extent();
        int w = extent.width(), h = extent.height(), n = w * h;
        int[] region = regions.labels();
        List<Flood> floods = new ArrayList<>();
        int[] floodAt = new int[n];
        Arrays.fill(floodAt, -1);
        seedScribbles(lines, regions, hints, emptyHint, floods, floodAt);
        seedOutside(lines, regions, floods, floodAt);
        int[] level = clearance(lines);
        byte[] walls = pocketMouths(lines, region, floods, w, h);
        flood(walls, region, regions.count(), level, floods, floodAt, w, h);
        hintedBackgrounds(lines, floods, floodAt, w, h);
        int[] resolved = new int[floods.size()];
        int[] colourOf = new int[floods.size()];
        for (Flood f : floods) {
            resolved[f.self] = f.resolved();
            colourOf[f.self] = floods.get(f.resolved()).colour;
        }
        int[] colour = new int[n];
        long[] pixelsOf = new long[floods.size()];
        int[] nearestFree = regions.nearestFree();
        for (int i = 0; i < n; i++) {
            int f = floodAt[lines.isLine(i) ? nearestFree[i] : i];
            if (f < 0) {
                colour[i] = UNSET;
            } else {
                colour[i] = colourOf[f];
                pixelsOf[resolved[f]]++;
            }
        }
        // What each region gives a neighbour nobody hinted: the colour most of it took.
        int[] leading = new int[regions.count()];
        long[] most = new long[regions.count()];
        Arrays.fill(leading, UNSET);
        for (Flood f : floods) {
            if (pixelsOf[f.self] > most[f.region]) {
                most[f.region] = pixelsOf[f.self];
                leading[f.region] = f.colour;
            }
        }
        return new Colours(colour, leading);
    }

    /**
     * @param pixels  each pixel's colour (0xRRGGBB, {@link #EMPTY}, or {@link #UNSET} where no flood reached)
     * @param regions each region's leading colour, the same way
     */
    public record Colours(int[] pixels, int[] regions) {
    }

    /** One flood: a region's scribble colour or its outside. */
    private static final class Flood {
        final int region;
        final int colour;
        final boolean outside;
        /** The flood whose colour this one takes in the end (itself unless a hinted background). */
        int takenBy = -1;
        final int self;

        Flood(int self, int region, int colour, boolean outside) {
            this.self = self;
            this.region = region;
            this.colour = colour;
            this.outside = outside;
        }

        int resolved() {
            return takenBy < 0 ? self : takenBy;
        }
    }

    /**
     * Stroke pixels on paper seed their colour's flood. Per region the colours with enough
     * votes split it; a colour with too few (a brush's stray tail) is dropped where a bigger
     * one is. Stroke pixels on ink never seed: a scribble that brushes a line belongs on one side.
     */
    private static void seedScribbles(LineArt lines, RegionLabels regions, Raster hints, int emptyHint,
                                      List<Flood> floods, int[] floodAt) {
        if (hints == null) {
            return;
        }
        byte[] rgba = hints.rgba();
        int[] region = regions.labels();
        Map<Long, Integer> votes = new HashMap<>();
        for (int i = 0; i < region.length; i++) {
            if ((rgba[i * 4 + 3] & 0xFF) >= HintPropagation.STROKE_ALPHA && !lines.isLine(i)) {
                votes.merge(key(region[i], rgb(rgba, i)), 1, Integer::sum);
            }
        }
        int[] leading = new int[regions.count()];
        votes.forEach((key, count) -> leading[(int) (key >>> 24)] = Math.max(leading[(int) (key >>> 24)], count));
        Map<Long, Integer> floodOf = new HashMap<>();
        votes.keySet().stream().sorted().forEach(key -> {
            int r = (int) (key >>> 24);
            if (votes.get(key) >= SPLIT_SHARE * leading[r]) {
                int colour = (int) (key & 0xFFFFFF);
                floodOf.put(key, floods.size());
                floods.add(new Flood(floods.size(), r, colour == emptyHint ? EMPTY : colour, false));
            }
        });
        for (int i = 0; i < region.length; i++) {
            if ((rgba[i * 4 + 3] & 0xFF) >= HintPropagation.STROKE_ALPHA && !lines.isLine(i)) {
                Integer f = floodOf.get(key(region[i], rgb(rgba, i)));
                if (f != null) {
                    floodAt[i] = f;
                }
            }
        }
    }

    /** The paper along the canvas border seeds one outside flood per region it belongs to. */
    private static void seedOutside(LineArt lines, RegionLabels regions, List<Flood> floods, int[] floodAt) {
        int w = lines.extent().width(), h = lines.extent().height();
        int[] region = regions.labels();
        Map<Integer, Integer> outsideOf = new HashMap<>();
        for (int i = 0; i < region.length; i++) {
            int x = i % w, y = i / w;
            if ((x != 0 && y != 0 && x != w - 1 && y != h - 1) || lines.isLine(i) || floodAt[i] >= 0) {
                continue;
            }
            floodAt[i] = outsideOf.computeIfAbsent(region[i], r -> {
                floods.add(new Flood(floods.size(), r, EMPTY, true));
                return floods.size() - 1;
            });
        }
    }

    /**
     * Distance to the nearest ink in levels a factor of sqrt(2) apart; ink itself is 0. A passage
     * counts as narrower only when it clearly is, and within one level the floods advance side by
     * side, so two scribbles in open paper meet halfway instead of the one on the wider spot
     * taking it all.
     */
    private static int[] clearance(LineArt lines) {
        Mat free = GapClosing.freeSpace(lines);
        Mat distance = new Mat();
        try {
            Imgproc.distanceTransform(free, distance, Imgproc.DIST_L2, Imgproc.DIST_MASK_5);
            float[] d = new float[lines.line().length];
            distance.get(0, 0, d);
            int[] level = new int[d.length];
            for (int i = 0; i < d.length; i++) {
                // floor(log2((1 + d)^2)) = floor(log_sqrt2(1 + d)), read off the float's exponent.
                float grown = 1 + d[i];
                level[i] = Math.getExponent(grown * grown);
            }
            return level;
        } finally {
            free.release();
            distance.release();
        }
    }

    /**
     * The priority flood over the paper, widest place first, never across a region's border
     * or through ink. A bucket per clearance level keeps it linear in the pixels. The outside
     * starts {@link #OUTSIDE_HANDICAP} levels below where the frame is: it is the artist's
     * default, not their stroke, so a scribble in open paper holds the paper around it, while
     * around a drawing the paper is so much wider than any shape that the outside still
     * surrounds it before a colour can leak out.
     */
    private static void flood(byte[] ink, int[] region, int regions, int[] level, List<Flood> floods, int[] floodAt, int w,
                              int h) {
        int top = 0;
        for (int v : level) {
            top = Math.max(top, v);
        }
        int[] floodRegion = new int[floods.size()];
        int[] handicap = new int[floods.size()];
        for (Flood f : floods) {
            floodRegion[f.self] = f.region;
            handicap[f.self] = f.outside ? OUTSIDE_HANDICAP : 0;
        }
        // A region with one flood takes it whole: only regions where floods compete are flooded pixel by pixel.
        int[] only = new int[regions];
        Arrays.fill(only, -1);
        for (Flood f : floods) {
            only[f.region] = only[f.region] == -1 ? f.self : -2;
        }
        int[][] bucket = new int[top + 1][];
        int[] size = new int[top + 1];
        for (int i = 0; i < floodAt.length; i++) {
            int alone = only[region[i]];
            if (alone >= 0) {
                if (ink[i] == 0) {
                    floodAt[i] = alone;
                }
            } else if (floodAt[i] >= 0) {
                push(bucket, size, Math.max(0, level[i] - handicap[floodAt[i]]), i);
            }
        }
        int n = floodAt.length;
        for (int v = top; v >= 0; v--) {
            // Pixels pushed at this level while it drains join this bucket and are taken in turn.
            for (int k = 0; k < size[v]; k++) {
                int i = bucket[v][k];
                int f = floodAt[i];
                int r = floodRegion[f];
                int x = i % w;
                for (int s = 0; s < 4; s++) {
                    int j;
                    if (s == 0) {
                        if (x == 0) continue;
                        j = i - 1;
                    } else if (s == 1) {
                        if (x == w - 1) continue;
                        j = i + 1;
                    } else {
                        j = s == 2 ? i - w : i + w;
                        if (j < 0 || j >= n) continue;
                    }
                    if (floodAt[j] < 0 && ink[j] == 0 && region[j] == r) {
                        floodAt[j] = f;
                        push(bucket, size, Math.min(v, level[j]), j);
                    }
                }
            }
            bucket[v] = null;
        }
    }

    /**
     * The ink, plus a straight wall across the mouth of every open stroke that lies free inside
     * an enclosed region holding several colours (a fish's gill, a fold line): the chord between the
     * stroke's two ends, as LazyBrush's cut runs from one end of a stroke to the other. A
     * scribble in the pocket then colours the pocket, and one outside it cannot get in.
     */
    private static byte[] pocketMouths(LineArt lines, int[] region, List<Flood> floods, int w, int h) {
        byte[] walls = lines.line().clone();
        // Only enclosed regions: around a drawing, the open halves of its own outline would wall off its inside.
        Map<Integer, Integer> coloursIn = new HashMap<>();
        for (Flood f : floods) {
            coloursIn.merge(f.region, f.outside ? -1000 : 1, Integer::sum);
        }
        if (coloursIn.values().stream().noneMatch(c -> c >= 2)) {
            return walls;
        }
        Mat ink = new Mat(h, w, org.opencv.core.CvType.CV_8UC1);
        Mat strokes = new Mat();
        Mat stats = new Mat();
        Mat centroids = new Mat();
        try {
            ink.put(0, 0, lines.line());
            int count = Imgproc.connectedComponentsWithStats(ink, strokes, stats, centroids, 8, org.opencv.core.CvType.CV_32S);
            int[] stroke = new int[w * h];
            strokes.get(0, 0, stroke);
            // A stroke qualifies while every free pixel beside it is in one region with several colours.
            int[] home = new int[count];
            Arrays.fill(home, -1);
            for (int i = 0; i < stroke.length; i++) {
                int s = stroke[i];
                if (s == 0 || home[s] == -2) {
                    continue;
                }
                int x = i % w, y = i / w;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
                    home[s] = -2;
                    continue;
                }
                for (int j : new int[] {i - 1, i + 1, i - w, i + w}) {
                    if (stroke[j] == 0) {
                        int r = region[j];
                        home[s] = home[s] == -1 || home[s] == r ? r : -2;
                    }
                }
            }
            Mat wallMat = Mat.zeros(h, w, org.opencv.core.CvType.CV_8UC1);
            try {
                for (int s = 1; s < count; s++) {
                    if (home[s] < 0 || coloursIn.getOrDefault(home[s], 0) < 2) {
                        continue;
                    }
                    hullOutline(stroke, s, stats, w, wallMat);
                }
                byte[] drawn = new byte[w * h];
                wallMat.get(0, 0, drawn);
                for (int i = 0; i < drawn.length; i++) {
                    walls[i] |= drawn[i] != 0 ? 1 : 0;
                }
            } finally {
                wallMat.release();
            }
            return walls;
        } finally {
            ink.release();
            strokes.release();
            stats.release();
            centroids.release();
        }
    }

    /**
     * Draws the outline of the convex hull around stroke {@code s}: along the stroke it lies on
     * ink already, and across each mouth (a gill's open side, between a curl's two ends) it is
     * the wall. Two pixels wide, so no flood slips through diagonally.
     */
    private static void hullOutline(int[] stroke, int s, Mat stats, int w, Mat walls) {
        int x0 = (int) stats.get(s, Imgproc.CC_STAT_LEFT)[0], y0 = (int) stats.get(s, Imgproc.CC_STAT_TOP)[0];
        int bw = (int) stats.get(s, Imgproc.CC_STAT_WIDTH)[0], bh = (int) stats.get(s, Imgproc.CC_STAT_HEIGHT)[0];
        Mat piece = Mat.zeros(bh, bw, org.opencv.core.CvType.CV_8UC1);
        Mat hierarchy = new Mat();
        List<org.opencv.core.MatOfPoint> contours = new ArrayList<>();
        try {
            byte[] px = new byte[bw * bh];
            for (int y = 0; y < bh; y++) {
                for (int x = 0; x < bw; x++) {
                    px[y * bw + x] = stroke[(y0 + y) * w + x0 + x] == s ? (byte) 255 : 0;
                }
            }
            piece.put(0, 0, px);
            Imgproc.findContours(piece, contours, hierarchy, Imgproc.RETR_EXTERNAL, Imgproc.CHAIN_APPROX_SIMPLE);
            List<org.opencv.core.Point> all = new ArrayList<>();
            for (org.opencv.core.MatOfPoint contour : contours) {
                for (org.opencv.core.Point p : contour.toArray()) {
                    all.add(new org.opencv.core.Point(p.x + x0, p.y + y0));
                }
            }
            org.opencv.core.MatOfPoint points = new org.opencv.core.MatOfPoint(all.toArray(new org.opencv.core.Point[0]));
            org.opencv.core.MatOfInt hull = new org.opencv.core.MatOfInt();
            Imgproc.convexHull(points, hull);
            org.opencv.core.Point[] corners = points.toArray();
            int[] index = hull.toArray();
            org.opencv.core.Point[] outline = new org.opencv.core.Point[index.length];
            for (int k = 0; k < index.length; k++) {
                outline[k] = corners[index[k]];
            }
            org.opencv.core.MatOfPoint polygon = new org.opencv.core.MatOfPoint(outline);
            Imgproc.polylines(walls, List.of(polygon), true, new org.opencv.core.Scalar(255), 2);
            polygon.release();
            points.release();
            hull.release();
        } finally {
            piece.release();
            hierarchy.release();
            contours.forEach(Mat::release);
        }
    }

    private static void push(int[][] bucket, int[] size, int v, int i) {
        if (bucket[v] == null) {
            bucket[v] = new int[16];
        } else if (size[v] == bucket[v].length) {
            bucket[v] = Arrays.copyOf(bucket[v], size[v] * 2);
        }
        bucket[v][size[v]++] = i;
    }

    /**
     * An outside flood is a hinted background (a sky reaching the frame, paper the artist
     * scribbled on) when a colour's territory borders it more openly than it borders lines:
     * over at least {@link #LOBE} of the length along which it touches ink. A shape that leaks
     * into the paper through a gap or an open end (an apple's stem gap, a snail's open tail)
     * touches its lines far longer than the paper, and the paper stays empty.
     */
    private static void hintedBackgrounds(LineArt lines, List<Flood> floods, int[] floodAt, int w, int h) {
        Map<Long, Integer> open = new HashMap<>();
        int[] alongInk = new int[floods.size()];
        for (int i = 0; i < floodAt.length; i++) {
            if (lines.isLine(i) || floodAt[i] < 0) {
                continue;
            }
            int x = i % w, y = i / w;
            boolean inked = (x > 0 && lines.isLine(i - 1)) || (x + 1 < w && lines.isLine(i + 1))
                    || (y > 0 && lines.isLine(i - w)) || (y + 1 < h && lines.isLine(i + w));
            if (inked) {
                alongInk[floodAt[i]]++;
            }
            for (int s = 0; s < 2; s++) {
                int j = s == 0 ? (x + 1 < w ? i + 1 : -1) : (y + 1 < h ? i + w : -1);
                if (j < 0 || lines.isLine(j) || floodAt[j] < 0 || floodAt[j] == floodAt[i]) {
                    continue;
                }
                Flood a = floods.get(floodAt[i]), b = floods.get(floodAt[j]);
                if (a.outside != b.outside) {
                    Flood outside = a.outside ? a : b, colour = a.outside ? b : a;
                    open.merge(((long) outside.self << 32) | colour.self, 1, Integer::sum);
                }
            }
        }
        double[] openest = new double[floods.size()];
        open.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            Flood outside = floods.get((int) (e.getKey() >>> 32));
            Flood colour = floods.get((int) (long) e.getKey());
            double openness = e.getValue() / (double) Math.max(1, alongInk[colour.self]);
            if (openness >= LOBE && openness > openest[outside.self]) {
                openest[outside.self] = openness;
                outside.takenBy = colour.self;
            }
        });
    }

    private static long key(int region, int rgb) {
        return ((long) region << 24) | rgb;
    }

    private static int rgb(byte[] rgba, int i) {
        return ((rgba[i * 4] & 0xFF) << 16) | ((rgba[i * 4 + 1] & 0xFF) << 8) | (rgba[i * 4 + 2] & 0xFF);
    }
}
