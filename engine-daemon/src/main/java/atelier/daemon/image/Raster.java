package atelier.daemon.image;

import java.util.Arrays;

/** 8-bit RGBA pixels, not premultiplied, row by row from the top left. */
public final class Raster {

    private final Extent extent;
    private final byte[] rgba;

    private Raster(Extent extent, byte[] rgba) {
        this.extent = extent;
        this.rgba = rgba;
    }

    /** Wraps the bytes without copying; the caller gives up ownership. */
    public static Raster wrap(Extent extent, byte[] rgba) {
        if (rgba.length != extent.pixels() * 4) {
            throw new IllegalArgumentException(rgba.length + " bytes for " + extent + " RGBA pixels");
        }
        return new Raster(extent, rgba);
    }

    /** Transparent black. */
    public static Raster blank(Extent extent) {
        return new Raster(extent, new byte[Math.toIntExact(extent.pixels() * 4)]);
    }

    public Extent extent() {
        return extent;
    }

    public int width() {
        return extent.width();
    }

    public int height() {
        return extent.height();
    }

    /** The backing bytes: writes show through. */
    public byte[] rgba() {
        return rgba;
    }

    /** One channel (0 red, 1 green, 2 blue, 3 alpha) of one pixel, 0..255. */
    public int channel(int x, int y, int c) {
        return rgba[(y * extent.width() + x) * 4 + c] & 0xFF;
    }

    public Raster copy() {
        return new Raster(extent, rgba.clone());
    }

    /** A copy of the pixels inside the bounds, which must lie inside this raster. */
    public Raster crop(Bounds region) {
        requireInside(region);
        Raster out = blank(region.extent());
        int rowBytes = region.width() * 4;
        for (int row = 0; row < region.height(); row++) {
            System.arraycopy(rgba, ((region.y() + row) * extent.width() + region.x()) * 4, out.rgba, row * rowBytes, rowBytes);
        }
        return out;
    }

    /** Writes the source's pixels at (x, y), replacing what was there. */
    public void paste(Raster source, int x, int y) {
        requireInside(new Bounds(x, y, source.width(), source.height()));
        int rowBytes = source.width() * 4;
        for (int row = 0; row < source.height(); row++) {
            System.arraycopy(source.rgba, row * rowBytes, rgba, ((y + row) * extent.width() + x) * 4, rowBytes);
        }
    }

    private void requireInside(Bounds region) {
        if (!region.equals(region.clamp(extent))) {
            throw new IllegalArgumentException(region + " is not inside " + extent);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Raster r && r.extent.equals(extent) && Arrays.equals(r.rgba, rgba);
    }

    @Override
    public int hashCode() {
        return extent.hashCode() * 31 + Arrays.hashCode(rgba);
    }
}
