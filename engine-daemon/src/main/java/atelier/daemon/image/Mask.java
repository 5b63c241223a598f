package atelier.daemon.image;

/**
 * A selection as 8-bit coverage: 255 selected, 0 not, values between are a soft edge.
 * Engines treat any value above 0 as part of the hole; compositing uses the value as weight.
 */
public final class Mask {

    private final Extent extent;
    private final byte[] values;

    private Mask(Extent extent, byte[] values) {
        this.extent = extent;
        this.values = values;
    }

    /** Wraps the bytes without copying; the caller gives up ownership. */
    public static Mask wrap(Extent extent, byte[] values) {
        if (values.length != extent.pixels()) {
            throw new IllegalArgumentException(values.length + " bytes for a " + extent + " mask");
        }
        return new Mask(extent, values);
    }

    public static Mask empty(Extent extent) {
        return new Mask(extent, new byte[Math.toIntExact(extent.pixels())]);
    }

    public Extent extent() {
        return extent;
    }

    public byte[] values() {
        return values;
    }

    public int at(int x, int y) {
        return values[y * extent.width() + x] & 0xFF;
    }

    public void set(int x, int y, int value) {
        values[y * extent.width() + x] = (byte) value;
    }

    /** The smallest rectangle holding every pixel above 0; empty when nothing is selected. */
    public Bounds bounds() {
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
        int w = extent.width();
        for (int y = 0; y < extent.height(); y++) {
            int row = y * w;
            for (int x = 0; x < w; x++) {
                if (values[row + x] != 0) {
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = y;
                }
            }
        }
        return maxX < 0 ? new Bounds(0, 0, 0, 0) : new Bounds(minX, minY, maxX - minX + 1, maxY - minY + 1);
    }

    /** How many pixels are selected at all (above 0). */
    public long selectedPixels() {
        long count = 0;
        for (byte v : values) {
            if (v != 0) {
                count++;
            }
        }
        return count;
    }

    public Mask crop(Bounds region) {
        if (!region.equals(region.clamp(extent))) {
            throw new IllegalArgumentException(region + " is not inside " + extent);
        }
        Mask out = empty(region.extent());
        for (int row = 0; row < region.height(); row++) {
            System.arraycopy(values, (region.y() + row) * extent.width() + region.x(), out.values, row * region.width(), region.width());
        }
        return out;
    }

    /**
     * The selection grown by {@code radius} pixels: each pixel takes the strongest value within
     * a square of that radius (separable running maximum, linear in the radius).
     */
    public Mask grown(int radius) {
        if (radius < 0) {
            throw new IllegalArgumentException("grow radius " + radius);
        }
        if (radius == 0) {
            return wrap(extent, values.clone());
        }
        int w = extent.width(), h = extent.height();
        byte[] rows = new byte[values.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int best = 0;
                for (int k = Math.max(0, x - radius); k <= Math.min(w - 1, x + radius); k++) {
                    best = Math.max(best, values[y * w + k] & 0xFF);
                }
                rows[y * w + x] = (byte) best;
            }
        }
        byte[] out = new byte[values.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int best = 0;
                for (int k = Math.max(0, y - radius); k <= Math.min(h - 1, y + radius); k++) {
                    best = Math.max(best, rows[k * w + x] & 0xFF);
                }
                out[y * w + x] = (byte) best;
            }
        }
        return wrap(extent, out);
    }

    /**
     * Softened edges: three box blurs of {@code radius} (close to a Gaussian of sigma ~ radius),
     * so the selection fades out over about that many pixels on each side of its edge.
     */
    public Mask feathered(int radius) {
        if (radius < 0) {
            throw new IllegalArgumentException("feather radius " + radius);
        }
        int w = extent.width(), h = extent.height();
        float[] v = new float[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i] & 0xFF;
        }
        for (int pass = 0; pass < 3 && radius > 0; pass++) {
            v = boxBlur(v, w, h, radius, true);
            v = boxBlur(v, w, h, radius, false);
        }
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) Math.min(255, Math.round(v[i]));
        }
        return wrap(extent, out);
    }

    /** A running-sum box blur along rows or columns; the border is extended by its edge value. */
    private static float[] boxBlur(float[] in, int w, int h, int r, boolean alongRows) {
        float[] out = new float[in.length];
        int lines = alongRows ? h : w;
        int length = alongRows ? w : h;
        for (int line = 0; line < lines; line++) {
            int base = alongRows ? line * w : line;
            int step = alongRows ? 1 : w;
            double sum = 0;
            for (int k = -r; k <= r; k++) {
                sum += in[base + Math.min(length - 1, Math.max(0, k)) * step];
            }
            for (int i = 0; i < length; i++) {
                out[base + i * step] = (float) (sum / (2 * r + 1));
                sum += in[base + Math.min(length - 1, i + r + 1) * step] - in[base + Math.max(0, i - r) * step];
            }
        }
        return out;
    }
}
