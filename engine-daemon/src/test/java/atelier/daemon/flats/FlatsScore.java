package atelier.daemon.flats;

import atelier.daemon.image.Raster;
import java.util.HashMap;
import java.util.Map;

/** How close flats are to a scene's true flat colours. */
public final class FlatsScore {

    private FlatsScore() {
    }

    /** Share of all pixels, line pixels included, whose colour is the true one. */
    public static double accuracy(Raster flats, LineArtScene scene) {
        return accuracy(flats, scene, false);
    }

    /** As {@link #accuracy}, but only pixels no line touches: the part a bucket fill can reach at all. */
    public static double accuracyOffLines(Raster flats, LineArtScene scene) {
        return accuracy(flats, scene, true);
    }

    private static double accuracy(Raster flats, LineArtScene scene, boolean offLinesOnly) {
        byte[] out = flats.rgba();
        byte[] truth = scene.truth().rgba();
        long right = 0, counted = 0;
        for (int i = 0; i < scene.regions().length; i++) {
            if (offLinesOnly && scene.underLine(i)) {
                continue;
            }
            counted++;
            if (out[i * 4] == truth[i * 4] && out[i * 4 + 1] == truth[i * 4 + 1] && out[i * 4 + 2] == truth[i * 4 + 2]
                    && out[i * 4 + 3] != 0) {
                right++;
            }
        }
        return (double) right / counted;
    }

    /**
     * Share of true regions recovered as one region: at least 90% of the region's pixels
     * off the lines carry one segment, and at least 90% of that segment's pixels lie in it.
     * {@code segment} is any per-pixel segment id (a flat colour, a fill's id; -1 = none).
     */
    public static double regionRecovery(int[] segment, LineArtScene scene) {
        int[] regions = scene.regions();
        Map<Long, Integer> overlap = new HashMap<>();
        Map<Integer, Integer> segmentSize = new HashMap<>();
        int[] regionSize = new int[scene.regionCount()];
        for (int i = 0; i < regions.length; i++) {
            if (scene.underLine(i)) {
                continue;
            }
            regionSize[regions[i]]++;
            if (segment[i] >= 0) {
                overlap.merge(((long) regions[i] << 32) | segment[i], 1, Integer::sum);
                segmentSize.merge(segment[i], 1, Integer::sum);
            }
        }
        int[] best = new int[scene.regionCount()];
        int[] bestSegment = new int[scene.regionCount()];
        overlap.forEach((key, count) -> {
            int region = (int) (key >>> 32);
            if (count > best[region]) {
                best[region] = count;
                bestSegment[region] = (int) (long) key;
            }
        });
        int recovered = 0;
        for (int r = 0; r < scene.regionCount(); r++) {
            if (best[r] >= 0.9 * regionSize[r] && best[r] >= 0.9 * segmentSize.getOrDefault(bestSegment[r], 1)) {
                recovered++;
            }
        }
        return (double) recovered / scene.regionCount();
    }

    /** Each pixel's colour as a segment id, transparent pixels as none. */
    public static int[] coloursAsSegments(Raster flats) {
        byte[] p = flats.rgba();
        int[] segment = new int[p.length / 4];
        for (int i = 0; i < segment.length; i++) {
            segment[i] = p[i * 4 + 3] == 0 ? -1 : ((p[i * 4] & 0xFF) << 16) | ((p[i * 4 + 1] & 0xFF) << 8) | (p[i * 4 + 2] & 0xFF);
        }
        return segment;
    }

    /**
     * Share of the artist's coloured pixels (lines excluded, see {@link RealLineArt#scored})
     * that the flats give the artist's colour, opaque.
     */
    public static double accuracy(Raster flats, RealLineArt art) {
        byte[] out = flats.rgba();
        long right = 0, counted = 0;
        for (int i = 0; i < out.length / 4; i++) {
            if (!art.scored(i)) {
                continue;
            }
            counted++;
            if ((out[i * 4 + 3] & 0xFF) == 255 && RealLineArt.rgb(out, i) == art.expected(i)) {
                right++;
            }
        }
        return (double) right / counted;
    }

    /** The outside counts as empty when at least this share of it is transparent. */
    public static final double OUTSIDE_EMPTY = 0.999;

    /** Share of the outside (see {@link RealLineArt#outside}) the flats leave transparent. */
    public static double outsideEmpty(Raster flats, RealLineArt art) {
        boolean[] outside = art.outside();
        byte[] out = flats.rgba();
        long empty = 0, counted = 0;
        for (int i = 0; i < outside.length; i++) {
            if (outside[i]) {
                counted++;
                if (out[i * 4 + 3] == 0) {
                    empty++;
                }
            }
        }
        return counted == 0 ? 1 : (double) empty / counted;
    }
}
