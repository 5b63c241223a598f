package atelier.daemon.classic;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Distinct flat colours for regions nobody hinted: hues a golden angle apart from a
 * seeded start, in the light-to-mid tones flatters use so line art stays readable on
 * top. The same seed always gives the same colours; no two are equal.
 */
public final class FlatPalette {

    private static final double GOLDEN = 0.6180339887498949;
    private static final double[] SATURATION = {0.55, 0.40, 0.70};
    private static final double[] VALUE = {0.92, 0.80, 0.86, 0.74};

    private FlatPalette() {
    }

    /** {@code count} distinct colours as 0xRRGGBB. */
    public static int[] colours(int count, long seed) {
        double hue = new SplittableRandom(seed).nextDouble();
        int[] colours = new int[count];
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < count; i++) {
            hue = (hue + GOLDEN) % 1.0;
            int rgb = hsv(hue, SATURATION[i % SATURATION.length], VALUE[(i / SATURATION.length) % VALUE.length]);
            while (!used.add(rgb)) {
                // Past a few hundred regions hues collide after rounding; nudge blue until unique.
                rgb = (rgb & 0xFFFF00) | (((rgb & 0xFF) + 1) & 0xFF);
            }
            colours[i] = rgb;
        }
        return colours;
    }

    static int hsv(double h, double s, double v) {
        double sector = h * 6;
        int k = (int) Math.floor(sector) % 6;
        double f = sector - Math.floor(sector);
        double p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
        double[] rgb = switch (k) {
            case 0 -> new double[] {v, t, p};
            case 1 -> new double[] {q, v, p};
            case 2 -> new double[] {p, v, t};
            case 3 -> new double[] {p, q, v};
            case 4 -> new double[] {t, p, v};
            default -> new double[] {v, p, q};
        };
        return (channel(rgb[0]) << 16) | (channel(rgb[1]) << 8) | channel(rgb[2]);
    }

    private static int channel(double unit) {
        return (int) Math.round(unit * 255);
    }
}
