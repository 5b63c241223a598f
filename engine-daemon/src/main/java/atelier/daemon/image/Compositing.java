package atelier.daemon.image;

/** Puts an engine's work back into the picture, only where the selection allows. */
public final class Compositing {

    private Compositing() {
    }

    /**
     * The original's pixels in the region with the edit blended in by the mask's weight:
     * where the mask is 0 the result is the original, bit for bit; where it is 255 it is
     * the edit. {@code edit} covers exactly {@code region}.
     */
    public static Raster blendInside(Raster original, Raster edit, Mask mask, Bounds region) {
        if (!edit.extent().equals(region.extent())) {
            throw new IllegalArgumentException("edit is " + edit.extent() + " for region " + region);
        }
        Raster out = original.crop(region);
        byte[] o = out.rgba();
        byte[] e = edit.rgba();
        for (int y = 0; y < region.height(); y++) {
            for (int x = 0; x < region.width(); x++) {
                int weight = mask.at(region.x() + x, region.y() + y);
                if (weight == 0) {
                    continue;
                }
                int i = (y * region.width() + x) * 4;
                for (int c = 0; c < 4; c++) {
                    int from = o[i + c] & 0xFF;
                    int to = e[i + c] & 0xFF;
                    o[i + c] = (byte) (from + ((to - from) * weight + (to >= from ? 127 : -127)) / 255);
                }
            }
        }
        return out;
    }

    /** The picture as it looks on white paper: opaque, a transparent layer's strokes kept at their coverage. */
    public static Raster overWhite(Raster picture) {
        Raster out = Raster.blank(picture.extent());
        byte[] in = picture.rgba();
        byte[] o = out.rgba();
        for (int i = 0; i < in.length; i += 4) {
            int a = in[i + 3] & 0xFF;
            for (int c = 0; c < 3; c++) {
                o[i + c] = (byte) (((in[i + c] & 0xFF) * a + 255 * (255 - a) + 127) / 255);
            }
            o[i + 3] = (byte) 255;
        }
        return out;
    }

    /** {@code top} multiplied onto opaque {@code base}, as a painter's Multiply layer: white leaves the base as is. */
    public static Raster multiply(Raster top, Raster base) {
        if (!top.extent().equals(base.extent())) {
            throw new IllegalArgumentException("multiplying " + top.extent() + " onto " + base.extent());
        }
        Raster out = overWhite(top);
        byte[] o = out.rgba();
        byte[] b = base.rgba();
        for (int i = 0; i < o.length; i += 4) {
            for (int c = 0; c < 3; c++) {
                o[i + c] = (byte) (((o[i + c] & 0xFF) * (b[i + c] & 0xFF) + 127) / 255);
            }
        }
        return out;
    }
}
