package atelier.daemon.classic;

import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
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
