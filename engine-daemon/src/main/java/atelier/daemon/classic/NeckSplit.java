package atelier.daemon.classic;

import java.util.Arrays;

/**
 * Splits the trapped ball's regions where a wide shape opens through a much narrower neck:
 * a butterfly's wing whose outline stops short of the body, an umbrella panel whose rim does
 * not reach the frame. The gap is far wider than any gap the ball closes, yet a person sees a
 * shape, because the shape is much wider than its mouth.
 *
 * <p>The free space is flooded from its widest places down (by the distance to the nearest
 * ink): each local widest place starts a basin, and where two basins meet, they stay apart if
 * the meeting place is less than {@link #MOUTH} as wide as the narrower basin at its widest,
 * and merge otherwise (the "dynamics" of a watershed, made relative). A long shape's ridge,
 * a bay that narrows inwards, a tapering point: none has a neck, none is split.
 */
final class NeckSplit {

    /** A basin is its own shape when its mouth is at most this share of its widest clearance. */
    static final double MOUTH = 0.5;

    /** Basins narrower than this many ball radii at their widest are corners and ridges, never shapes. */
    static final double SMALLEST = 3;

    /** Clearances are sorted in steps of a quarter pixel. */
    private static final int STEPS_PER_PIXEL = 4;

    private NeckSplit() {
    }

    /**
     * @param clearance per pixel, the distance to the nearest ink
     * @param seed      per pixel, the trapped ball's region (1..count), 0 where the ball does not reach
     * @param radius    the ball's radius
     * @return the regions split at necks, renumbered 1..n (0 where {@code seed} was 0), and n
     */
    static GapClosing.Seeds split(float[] clearance, int[] seed, double radius, int w, int h) {
        int n = seed.length;
        float top = 0;
        for (int i = 0; i < n; i++) {
            if (seed[i] != 0) {
                top = Math.max(top, clearance[i]);
            }
        }
        int levels = (int) (top * STEPS_PER_PIXEL) + 1;
        // Counting sort of the seeded pixels, widest first.
        int[] start = new int[levels + 1];
        for (int i = 0; i < n; i++) {
            if (seed[i] != 0) {
                start[levels - 1 - step(clearance[i])]++;
            }
        }
        for (int l = 0, sum = 0; l <= levels; l++) {
            int c = start[l];
            start[l] = sum;
            sum += c;
        }
        int[] order = new int[start[levels]];
        int[] fill = Arrays.copyOf(start, levels);
        for (int i = 0; i < n; i++) {
            if (seed[i] != 0) {
                order[fill[levels - 1 - step(clearance[i])]++] = i;
            }
        }
        int[] parent = new int[n];
        Arrays.fill(parent, -1);
        float[] peak = new float[n];
        float smallest = (float) (SMALLEST * radius);
        int[] roots = new int[4];
        for (int i : order) {
            float here = clearance[i];
            int x = i % w;
            int found = 0;
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
                // Never across the ball's own borders: a closed line stays closed.
                if (parent[j] < 0 || seed[j] != seed[i]) {
                    continue;
                }
                int r = find(parent, j);
                boolean seen = false;
                for (int k = 0; k < found; k++) {
                    seen |= roots[k] == r;
                }
                if (!seen) {
                    roots[found++] = r;
                }
            }
            if (found == 0) {
                parent[i] = i;
                peak[i] = here;
                continue;
            }
            int mine = roots[0];
            for (int k = 1; k < found; k++) {
                int other = roots[k];
                float narrower = Math.min(peak[mine], peak[other]);
                if (narrower < smallest || here >= MOUTH * narrower) {
                    // No neck between them: one shape.
                    int big = peak[mine] >= peak[other] ? mine : other;
                    int small = big == mine ? other : mine;
                    parent[small] = big;
                    mine = big;
                }
            }
            parent[i] = mine;
        }
        // The paper along the canvas border is one: its corners lie far from the drawing and the
        // middles of its edges nearer, which is no neck, so basins of one region that reach the border join again.
        int[] borderRoot = new int[n];
        Arrays.fill(borderRoot, -1);
        for (int i = 0; i < n; i++) {
            int x = i % w, y = i / w;
            if (seed[i] == 0 || (x != 0 && y != 0 && x != w - 1 && y != h - 1)) {
                continue;
            }
            int r = find(parent, i);
            int s = seed[i];
            if (borderRoot[s] < 0) {
                borderRoot[s] = r;
            } else if (borderRoot[s] != r) {
                parent[r] = borderRoot[s];
            }
        }
        int[] label = new int[n];
        int[] renumber = new int[n];
        int[] firstOf = new int[n + 1]; // per ball region, the first new label cut from it
        int[] family = new int[n + 1];
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (seed[i] != 0) {
                int r = find(parent, i);
                if (renumber[r] == 0) {
                    renumber[r] = ++count;
                    if (firstOf[seed[i]] == 0) {
                        firstOf[seed[i]] = count;
                    }
                    family[count] = firstOf[seed[i]];
                }
                label[i] = renumber[r];
            }
        }
        return new GapClosing.Seeds(label, count, java.util.Arrays.copyOf(family, count + 1));
    }

    private static int step(float clearance) {
        return (int) (clearance * STEPS_PER_PIXEL);
    }

    private static int find(int[] parent, int i) {
        int r = i;
        while (parent[r] != r) {
            r = parent[r];
        }
        while (parent[i] != r) {
            int next = parent[i];
            parent[i] = r;
            i = next;
        }
        return r;
    }
}
