package atelier.daemon.image;

import org.opencv.core.CvType;
import org.opencv.core.Mat;

/** Loads OpenCV's natives from the openpnp jar (no system install) and moves pixels in and out of Mats. */
public final class OpenCvNatives {

    private static volatile boolean loaded;

    private OpenCvNatives() {
    }

    /** Idempotent; the first call extracts the native library for this platform from the jar. */
    public static void load() {
        if (!loaded) {
            synchronized (OpenCvNatives.class) {
                if (!loaded) {
                    nu.pattern.OpenCV.loadLocally();
                    loaded = true;
                }
            }
        }
    }

    public static Mat toMat(Raster raster) {
        load();
        Mat mat = new Mat(raster.height(), raster.width(), CvType.CV_8UC4);
        mat.put(0, 0, raster.rgba());
        return mat;
    }

    public static Raster toRaster(Mat rgba) {
        byte[] bytes = new byte[(int) (rgba.total() * 4)];
        rgba.get(0, 0, bytes);
        return Raster.wrap(new Extent(rgba.cols(), rgba.rows()), bytes);
    }

    /** Floats, {@code channels} a pixel, row by row, as a CV_32F Mat of that many channels. */
    public static Mat toMat(float[] values, int width, int height, int channels) {
        load();
        Mat mat = new Mat(height, width, CvType.makeType(CvType.CV_32F, channels));
        mat.put(0, 0, values);
        return mat;
    }

    /** A CV_32F Mat's values, row by row. */
    public static float[] floats(Mat mat) {
        float[] values = new float[(int) (mat.total() * mat.channels())];
        mat.get(0, 0, values);
        return values;
    }

    /** A CV_8U Mat's values, row by row. */
    public static byte[] bytes(Mat mat) {
        byte[] values = new byte[(int) (mat.total() * mat.channels())];
        mat.get(0, 0, values);
        return values;
    }

    /** The mask as 0/255: engines treat any selected pixel as part of the hole. */
    public static Mat toBinaryMat(Mask mask) {
        load();
        byte[] binary = mask.values().clone();
        for (int i = 0; i < binary.length; i++) {
            binary[i] = binary[i] == 0 ? 0 : (byte) 255;
        }
        Mat mat = new Mat(mask.extent().height(), mask.extent().width(), CvType.CV_8UC1);
        mat.put(0, 0, binary);
        return mat;
    }
}
