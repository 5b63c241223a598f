package atelier.daemon;

import atelier.bridge.thrift.Picture;
import atelier.bridge.thrift.PixelFormat;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Test pictures: the samples, and large synthetic ones for jobs that must take a while. */
public final class Pictures {

    private Pictures() {
    }

    public static Raster meadow() throws Exception {
        return PngCodec.decodeRgba(DaemonFixture.sample("meadow-ball.png"), Long.MAX_VALUE);
    }

    public static Mask meadowSelection() throws Exception {
        return PngCodec.decodeMask(DaemonFixture.sample("meadow-ball-mask.png"), Long.MAX_VALUE);
    }

    /** A smooth gradient; PNG-compressible, so large ones travel quickly. */
    public static Raster gradient(int size) {
        Raster raster = Raster.blank(new Extent(size, size));
        byte[] p = raster.rgba();
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int i = (y * size + x) * 4;
                p[i] = (byte) (x * 255 / size);
                p[i + 1] = (byte) (y * 255 / size);
                p[i + 2] = (byte) 128;
                p[i + 3] = (byte) 255;
            }
        }
        return raster;
    }

    /** A centred square hole covering {@code share} of each side: Telea takes seconds on a large one. */
    public static Mask centredHole(int size, double share) {
        Mask mask = Mask.empty(new Extent(size, size));
        int hole = (int) (size * share);
        int start = (size - hole) / 2;
        for (int y = start; y < start + hole; y++) {
            for (int x = start; x < start + hole; x++) {
                mask.set(x, y, 255);
            }
        }
        return mask;
    }

    public static Picture raw(Raster raster) {
        return new Picture(PixelFormat.RGBA8, raster.width(), raster.height(), ByteBuffer.wrap(raster.rgba()));
    }

    public static Picture raw(Mask mask) {
        return new Picture(PixelFormat.GRAY8, mask.extent().width(), mask.extent().height(), ByteBuffer.wrap(mask.values()));
    }

    public static Picture png(byte[] bytes) {
        return new Picture(PixelFormat.PNG, 0, 0, ByteBuffer.wrap(bytes));
    }

    public static byte[] pngBytes(Raster raster) throws IOException {
        return PngCodec.encode(raster);
    }
}
