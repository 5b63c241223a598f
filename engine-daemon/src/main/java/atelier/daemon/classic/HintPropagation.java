package atelier.daemon.classic;

import atelier.daemon.ops.FlatsEngine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Colours regions the way LazyBrush feels to use: once the scribbles have coloured the
 * regions they lie in ({@link ScribbleFlood}), a region nobody scribbled on takes its colour from the neighbour it is most
 * openly joined to (a long border, a gap, a faint line), spreading outwards from the
 * scribbles strongest border first.
 */
public final class HintPropagation {

    /** Hint pixels at least this opaque count as strokes (the contract's rule, kept in ops). */
    public static final int STROKE_ALPHA = FlatsEngine.STROKE_ALPHA;
    /** No colour yet. */
    public static final int NONE = -1;
    /** Stays transparent and gives nothing to its neighbours: the paper around the drawing. */
    public static final int EMPTY = -2;

    private HintPropagation() {
    }

    /**
     * Fills every {@link #NONE} in {@code colour} from its most openly joined coloured neighbour,
     * in place; {@link #EMPTY} regions neither take nor give, so no colour travels through the
     * paper around the drawing. A region no colour reaches stays {@link #NONE}.
     */
    public static int[] spread(int[] colour, List<RegionLabels.Border> borders) {
        List<List<RegionLabels.Border>> touching = touching(colour.length, borders);
        PriorityQueue<long[]> frontier = frontier();
        for (int r = 0; r < colour.length; r++) {
            if (colour[r] >= 0) {
                offerNeighbours(r, colour, touching, frontier);
            }
        }
        return grow(colour, touching, frontier);
    }

    /**
     * As {@link #spread}, but a shape nobody hinted looks at the colours its neighbours
     * actually have along the shared border, pixel by pixel: a hinted shape that is part of a
     * larger region (a shirt's body open to the paper at its collar) still gives its colour to
     * the sleeves beside it, while the paper beside them gives nothing.
     *
     * @param colour per region: a colour or {@link #EMPTY} where a flood reached it, {@link #NONE} where none did (filled in place)
     * @param pixels per pixel, the flooded colour ({@link #NONE} in unreached regions)
     */
    public static int[] spreadFromPixels(int[] colour, int[] pixels, RegionLabels regions, LineArt lines,
                                         List<RegionLabels.Border> borders) {
        int n = colour.length;
        int w = regions.extent().width(), h = regions.extent().height();
        int[] labels = regions.labels();
        byte[] dark = lines.darkness();
        boolean[] unreached = new boolean[n];
        for (int r = 0; r < n; r++) {
            unreached[r] = colour[r] == NONE;
        }
        // Openness of each unreached region's border with each colour beside it, as RegionLabels weighs borders.
        Map<Long, Long> offers = new HashMap<>();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                for (int s = 0; s < 2; s++) {
                    int j = s == 0 ? (x + 1 < w ? i + 1 : -1) : (y + 1 < h ? i + w : -1);
                    if (j < 0 || labels[i] == labels[j] || unreached[labels[i]] == unreached[labels[j]]) {
                        continue;
                    }
                    int shape = unreached[labels[i]] ? labels[i] : labels[j];
                    int beside = unreached[labels[i]] ? pixels[j] : pixels[i];
                    if (beside < 0) {
                        continue;
                    }
                    int ink = Math.max(dark[i] & 0xFF, dark[j] & 0xFF);
                    long weight = ink >= LineArt.INK ? 1 : 1 + (LineArt.INK - ink) * RegionLabels.OPEN / LineArt.INK;
                    offers.merge(((long) shape << 24) | beside, weight, Long::sum);
                }
            }
        }
        PriorityQueue<long[]> frontier = frontier();
        offers.forEach((key, openness) -> frontier.add(new long[] {openness, key >>> 24, key & 0xFFFFFF}));
        return grow(colour, touching(n, borders), frontier);
    }

    /** Per region, the borders it has. */
    private static List<List<RegionLabels.Border>> touching(int regions, List<RegionLabels.Border> borders) {
        List<List<RegionLabels.Border>> touching = new ArrayList<>(regions);
        for (int r = 0; r < regions; r++) {
            touching.add(new ArrayList<>());
        }
        for (RegionLabels.Border border : borders) {
            touching.get(border.a()).add(border);
            touching.get(border.b()).add(border);
        }
        return touching;
    }

    /** Offers {openness, region, colour}: strongest border first; ties by region then colour, so the order is deterministic. */
    private static PriorityQueue<long[]> frontier() {
        return new PriorityQueue<>((p, q) -> p[0] != q[0] ? Long.compare(q[0], p[0])
                : p[1] != q[1] ? Long.compare(p[1], q[1]) : Long.compare(p[2], q[2]));
    }

    /** Takes offers strongest first; each region that gets a colour offers it on to its uncoloured neighbours. */
    private static int[] grow(int[] colour, List<List<RegionLabels.Border>> touching, PriorityQueue<long[]> frontier) {
        while (!frontier.isEmpty()) {
            long[] next = frontier.poll();
            int region = (int) next[1];
            if (colour[region] == NONE) {
                colour[region] = (int) next[2];
                offerNeighbours(region, colour, touching, frontier);
            }
        }
        return colour;
    }

    private static void offerNeighbours(int region, int[] colour, List<List<RegionLabels.Border>> touching,
                                        PriorityQueue<long[]> frontier) {
        for (RegionLabels.Border border : touching.get(region)) {
            int other = border.a() == region ? border.b() : border.a();
            if (colour[other] == NONE) {
                frontier.add(new long[] {border.openness(), other, colour[region]});
            }
        }
    }
}
