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
}
