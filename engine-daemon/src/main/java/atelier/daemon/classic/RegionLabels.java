package atelier.daemon.classic;

import atelier.daemon.image.Extent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

/**
 * Every pixel's region. Seeds flood the free space first and climb into the ink last
 * (a watershed on line darkness), so two regions meet at the centre of the line between
 * them, or in the middle of a closed gap: flats reach under the lines with no halo.
 *
 * @param labels  the region of each pixel, 0..count-1
 * @param area    per region, how many of its pixels are free space (not ink)
 * @param nearestFree per pixel, the nearest pixel that is not ink (a free pixel is its own)
 * @param family  per region, the first region of the shape it was cut from at a neck (its own if not cut)
 */
public record RegionLabels(Extent extent, int[] labels, int count, int[] area, int[] nearestFree, int[] family) {

    /** Where regions touch: the two regions, and how openly (see {@link #borders}). */
    public record Border(int a, int b, long openness) {
    }

    /** Weight of one open pixel pair: more than the longest line border in a large drawing. */
    static final long OPEN = 1 << 16;

    public static RegionLabels grow(LineArt lines, GapClosing.Seeds seeds) {
        Extent extent = lines.extent();
        int w = extent.width(), h = extent.height();
        Mat dark = new Mat(h, w, CvType.CV_8UC1);
        Mat relief = new Mat();
        Mat seedMat = new Mat(h, w, CvType.CV_32SC1);
        Mat paddedRelief = new Mat();
        Mat paddedSeeds = new Mat();
        try {
            dark.put(0, 0, lines.darkness());
            Imgproc.cvtColor(dark, relief, Imgproc.COLOR_GRAY2BGR);
            seedMat.put(0, 0, seeds.labels());
            // OpenCV's watershed claims the outermost pixel ring as boundary, so flood a canvas one pixel larger.
            Core.copyMakeBorder(relief, paddedRelief, 1, 1, 1, 1, Core.BORDER_REPLICATE);
            Core.copyMakeBorder(seedMat, paddedSeeds, 1, 1, 1, 1, Core.BORDER_CONSTANT, new Scalar(0));
            Imgproc.watershed(paddedRelief, paddedSeeds);
            Mat inner = paddedSeeds.submat(new Rect(1, 1, w, h));
            int[] labels = new int[w * h];
            Mat copy = inner.clone();
            copy.get(0, 0, labels);
            copy.release();
            inner.release();
            settleBoundaries(labels, w, h);
            int[] nearestFree = inkToNearestFreePixel(lines, labels);
            return compact(lines, labels, Math.max(seeds.count(), 1), nearestFree, seeds.family());
        } finally {
            dark.release();
            relief.release();
            seedMat.release();
            paddedRelief.release();
            paddedSeeds.release();
        }
    }

    /** The watershed leaves one-pixel lines (-1) where floods met; each joins a neighbouring flood. */
    private static void settleBoundaries(int[] labels, int w, int h) {
        boolean unsettled = true;
        while (unsettled) {
            unsettled = false;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = y * w + x;
                    if (labels[i] > 0) {
                        continue;
                    }
                    int take = x > 0 && labels[i - 1] > 0 ? labels[i - 1]
                            : y > 0 && labels[i - w] > 0 ? labels[i - w]
                            : x + 1 < w && labels[i + 1] > 0 ? labels[i + 1]
                            : y + 1 < h && labels[i + w] > 0 ? labels[i + w] : 0;
                    if (take > 0) {
                        labels[i] = take;
                    } else {
                        unsettled = true;
                    }
                }
            }
            if (unsettled && allUnsettled(labels)) {
                // No seed at all (nothing but ink): one region.
                java.util.Arrays.fill(labels, 1);
                unsettled = false;
            }
        }
    }

    /**
     * Ink takes the region of the nearest free pixel, so each side of a line gets the half
     * nearer to it; the flood alone can hand a whole flat-topped line to whichever side
     * reached it first.
     */
    private static int[] inkToNearestFreePixel(LineArt lines, int[] labels) {
        Mat free = GapClosing.freeSpace(lines);
        Mat ink = new Mat();
        Mat distance = new Mat();
        Mat nearest = new Mat();
        try {
            // distanceTransformWithLabels measures to zero pixels, so the free space must be 0.
            Core.bitwise_not(free, ink);
            Imgproc.distanceTransformWithLabels(ink, distance, nearest, Imgproc.DIST_L2, Imgproc.DIST_MASK_5,
                    Imgproc.DIST_LABEL_PIXEL);
            int[] nearestFree = GapClosing.ints(nearest, lines.extent());
            // With DIST_LABEL_PIXEL the zero pixels are numbered 1, 2, ... in scan order.
            int[] freePixel = new int[lines.freePixels() + 1];
            int k = 0;
            for (int i = 0; i < labels.length; i++) {
                if (!lines.isLine(i)) {
                    freePixel[++k] = i;
                }
            }
            int[] before = labels.clone();
            for (int i = 0; i < labels.length; i++) {
                if (lines.isLine(i)) {
                    nearestFree[i] = freePixel[nearestFree[i]];
                    labels[i] = before[nearestFree[i]];
                } else {
                    nearestFree[i] = i;
                }
            }
            return nearestFree;
        } finally {
            free.release();
            ink.release();
            distance.release();
            nearest.release();
        }
    }

    private static boolean allUnsettled(int[] labels) {
        for (int label : labels) {
            if (label > 0) {
                return false;
            }
        }
        return true;
    }

    /** Renumbers 1..n seeds to 0..count-1, dropping seeds that lost every pixel, and counts free area. */
    private static RegionLabels compact(LineArt lines, int[] labels, int seedCount, int[] nearestFree, int[] seedFamily) {
        int[] index = new int[seedCount + 1];
        java.util.Arrays.fill(index, -1);
        int count = 0;
        for (int i = 0; i < labels.length; i++) {
            int seed = labels[i];
            if (index[seed] < 0) {
                index[seed] = count++;
            }
            labels[i] = index[seed];
        }
        int[] area = new int[count];
        for (int i = 0; i < labels.length; i++) {
            if (!lines.isLine(i)) {
                area[labels[i]]++;
            }
        }
        int[] family = new int[count];
        for (int seed = 1; seed <= seedCount && seed < index.length; seed++) {
            if (index[seed] >= 0) {
                int first = seed < seedFamily.length ? seedFamily[seed] : seed;
                // The family's first piece may have lost every pixel; then the first surviving one stands for it.
                family[index[seed]] = first < index.length && index[first] >= 0 ? index[first] : index[seed];
            }
        }
        return new RegionLabels(lines.extent(), labels, count, area, nearestFree, family);
    }

    /** Per region, whether its paper reaches the canvas border: the paper around a drawing does. */
    public boolean[] touchingBorder(LineArt lines) {
        int w = extent.width(), h = extent.height();
        boolean[] touching = new boolean[count];
        for (int x = 0; x < w; x++) {
            for (int i : new int[] {x, (h - 1) * w + x}) {
                touching[labels[i]] |= !lines.isLine(i);
            }
        }
        for (int y = 0; y < h; y++) {
            for (int i : new int[] {y * w, y * w + w - 1}) {
                touching[labels[i]] |= !lines.isLine(i);
            }
        }
        return touching;
    }

    public int at(int x, int y) {
        return labels[y * extent.width() + x];
    }

    /**
     * Every pair of touching regions with the openness of their border. As in LazyBrush,
     * a touching pixel pair with ink between adds 1 and one without adds up to
     * {@link #OPEN}, so a few pixels of gap or neck outweigh a whole border along a line.
     */
    public List<Border> borders(LineArt lines) {
        int w = extent.width(), h = extent.height();
        byte[] dark = lines.darkness();
        Map<Long, long[]> open = new HashMap<>();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (x + 1 < w && labels[i] != labels[i + 1]) {
                    touch(open, labels[i], labels[i + 1], Math.max(dark[i] & 0xFF, dark[i + 1] & 0xFF));
                }
                if (y + 1 < h && labels[i] != labels[i + w]) {
                    touch(open, labels[i], labels[i + w], Math.max(dark[i] & 0xFF, dark[i + w] & 0xFF));
                }
            }
        }
        List<Border> borders = new ArrayList<>(open.size());
        open.forEach((key, sum) -> borders.add(new Border((int) (key >>> 32), (int) (long) key, sum[0])));
        return borders;
    }

    private static void touch(Map<Long, long[]> open, int a, int b, int ink) {
        long key = a < b ? ((long) a << 32) | b : ((long) b << 32) | a;
        open.computeIfAbsent(key, k -> new long[1])[0] += ink >= LineArt.INK ? 1 : 1 + (LineArt.INK - ink) * OPEN / LineArt.INK;
    }
}
