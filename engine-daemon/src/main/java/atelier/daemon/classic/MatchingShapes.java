package atelier.daemon.classic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A shape nobody hinted takes the colour of a hinted shape it matches: the second wheel of a
 * car, the other wing, the other four petals of a flower. A colourist gives one scribble per
 * colour and expects the drawing's repeated parts to follow, though they need not touch.
 *
 * <p>Two shapes match when their areas are within {@link #AREA} of each other and their
 * outlines agree by Hu's moment invariants, which do not change when a shape is moved,
 * turned, scaled or mirrored: compactness (how far from a disc), elongation and the two
 * lowest measures of lopsidedness. A shape that matches nothing is left to
 * {@link HintPropagation}, which gives it its most openly joined neighbour's colour.
 */
final class MatchingShapes {

    /** Largest ratio of the two areas. */
    static final double AREA = 1.25;
    /** Largest difference in the log of compactness (Hu's first invariant). */
    static final double COMPACTNESS = 0.065;
    /** Largest difference in elongation (0 for a disc, towards 1 for a thin bar). */
    static final double ELONGATION = 0.065;
    /** Largest difference in each of the two lopsidedness measures. */
    static final double LOPSIDED = 0.025;

    /**
     * A shape that is one of several alike (they match each other) may be this much further
     * from the hinted shape: the hinted one is often cut where a second scribble split its region.
     */
    static final double REPEATED = 1.5;

    private MatchingShapes() {
    }

    /**
     * Gives each {@link HintPropagation#NONE} region of {@code colour} the colour of the hinted
     * shape it matches best, in place. A hinted shape is the part of a region one colour took
     * (a whole region with one scribble, or one side of a split region).
     *
     * @param pixels per pixel, the flooded colour ({@link HintPropagation#NONE} in unreached regions)
     * @return how many regions took a colour this way
     */
    static int colour(int[] colour, int[] pixels, RegionLabels regions, LineArt lines, int smallest) {
        int[] labels = regions.labels();
        int w = regions.extent().width();
        // Pieces: each unreached region whole, and each region's part of one colour.
        Map<Long, Integer> pieceOf = new HashMap<>();
        List<Integer> pieceColour = new ArrayList<>();
        int[] piece = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            int r = labels[i];
            int c = colour[r] == HintPropagation.NONE ? HintPropagation.NONE : pixels[i];
            if (lines.isLine(i) || (c < 0 && c != HintPropagation.NONE)) {
                piece[i] = -1;
                continue;
            }
            long key = ((long) r << 32) | (c & 0xFFFFFFFFL);
            Integer p = pieceOf.get(key);
            if (p == null) {
                p = pieceColour.size();
                pieceOf.put(key, p);
                pieceColour.add(c);
            }
            piece[i] = p;
        }
        int pieces = pieceColour.size();
        long[] area = new long[pieces];
        double[] sx = new double[pieces], sy = new double[pieces];
        for (int i = 0; i < piece.length; i++) {
            if (piece[i] >= 0) {
                area[piece[i]]++;
                sx[piece[i]] += i % w;
                sy[piece[i]] += i / w;
            }
        }
        double[][] moments = new double[pieces][7];
        for (int i = 0; i < piece.length; i++) {
            int p = piece[i];
            if (p < 0) {
                continue;
            }
            double dx = i % w - sx[p] / area[p], dy = i / w - sy[p] / area[p];
            double[] m = moments[p];
            m[0] += dx * dx;
            m[1] += dx * dy;
            m[2] += dy * dy;
            m[3] += dx * dx * dx;
            m[4] += dx * dx * dy;
            m[5] += dx * dy * dy;
            m[6] += dy * dy * dy;
        }
        double[][] features = new double[pieces][];
        for (int p = 0; p < pieces; p++) {
            if (area[p] >= smallest) {
                features[p] = features(moments[p], area[p]);
            }
        }
        int matched = 0;
        for (Map.Entry<Long, Integer> target : pieceOf.entrySet()) {
            int t = target.getValue();
            if (pieceColour.get(t) != HintPropagation.NONE || features[t] == null) {
                continue;
            }
            double best = Double.MAX_VALUE;
            int bestColour = HintPropagation.NONE;
            for (int s = 0; s < pieces; s++) {
                if (pieceColour.get(s) < 0 || features[s] == null) {
                    continue;
                }
                double score = score(features[s], area[s], features[t], area[t]);
                if (score < best) {
                    best = score;
                    bestColour = pieceColour.get(s);
                }
            }
            if (best <= 1 || (best <= REPEATED && repeated(t, pieceColour, features, area))) {
                colour[(int) (target.getKey() >>> 32)] = bestColour;
                matched++;
            }
        }
        // The matched shapes' pixels carry their colour, so they pass it on to their own unhinted neighbours.
        for (int i = 0; i < labels.length; i++) {
            if (pixels[i] == HintPropagation.NONE && colour[labels[i]] >= 0) {
                pixels[i] = colour[labels[i]];
            }
        }
        return matched;
    }

    /** Whether another unhinted shape matches {@code t}: a part drawn several times, like petals. */
    private static boolean repeated(int t, List<Integer> pieceColour, double[][] features, long[] area) {
        for (int o = 0; o < features.length; o++) {
            if (o != t && pieceColour.get(o) == HintPropagation.NONE && features[o] != null
                    && score(features[o], area[o], features[t], area[t]) <= 1) {
                return true;
            }
        }
        return false;
    }

    /** At most 1 when two shapes match: outline and size within their tolerances. */
    private static double score(double[] a, long areaA, double[] b, long areaB) {
        // Size counts as one more feature: repeated parts (petals, wheels) are drawn the same size.
        double ratio = Math.max(areaA, areaB) / (double) Math.min(areaA, areaB);
        return Math.max(distance(a, b), Math.log(ratio) / Math.log(AREA));
    }

    /** Compactness, elongation and lopsidedness from the central moments (xx, xy, yy, xxx, xxy, xyy, yyy). */
    static double[] features(double[] mu, double area) {
        double s2 = area * area, s3 = Math.pow(area, 2.5);
        double n20 = mu[0] / s2, n11 = mu[1] / s2, n02 = mu[2] / s2;
        double n30 = mu[3] / s3, n21 = mu[4] / s3, n12 = mu[5] / s3, n03 = mu[6] / s3;
        double h1 = n20 + n02;
        double h2 = (n20 - n02) * (n20 - n02) + 4 * n11 * n11;
        double h3 = sq(n30 - 3 * n12) + sq(3 * n21 - n03);
        double h4 = sq(n30 + n12) + sq(n21 + n03);
        // Hu's seventh invariant changes sign in a mirror: its fourth root is on the scale of the other two.
        double a = n30 + n12, b = n21 + n03;
        double h7 = (3 * n21 - n03) * a * (a * a - 3 * b * b) - (n30 - 3 * n12) * b * (3 * a * a - b * b);
        return new double[] {Math.log(h1), Math.sqrt(h2) / h1, Math.sqrt(h3), Math.sqrt(h4),
            Math.signum(h7) * Math.sqrt(Math.sqrt(Math.abs(h7)))};
    }

    /** At most 1 when every feature is within its tolerance. */
    static double distance(double[] a, double[] b) {
        return Math.max(Math.max(Math.abs(a[0] - b[0]) / COMPACTNESS, Math.abs(a[1] - b[1]) / ELONGATION),
                Math.max(Math.max(Math.abs(a[2] - b[2]), Math.abs(a[3] - b[3])), Math.abs(a[4] - b[4])) / LOPSIDED);
    }

    private static double sq(double v) {
        return v * v;
    }
}
