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
}
