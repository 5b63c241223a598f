package atelier.daemon.classic;

import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Soft alpha in a thin band around a hard object/background boundary. With the
 * background known, an edge pixel is a mix I = aF + (1-a)B of a nearby object colour F
 * and the background B, and a is the projection of I - B on F - B. Where that mix does
 * not explain the pixel (F too close to B, or a different object colour), the guided
 * filter feathers the hard boundary along the image's own edges instead. Away from the
 * band alpha is exactly 0 or 1.
 */
final class EdgeMatting {

    /** Alpha this close to 0 or 1 is noise on a pixel that is really one or the other. */
    private static final float SNAP = 0.04f;

    /**
     * What the matting found: alpha everywhere, and in the band the object and background
     * colours each edge pixel mixes (3 floats a pixel; object colour NaN where unknown).
     */
    record Matte(int width, int height, float[] alpha, byte[] band, float[] objectColour, float[] backgroundColour) {
    }

    private EdgeMatting() {
    }

    /**
     * @param object     1 where the hard cut says object, 0 elsewhere
     * @param model      the background model, for where no background pixel is near
     * @param distance   each pixel's distance to that model
     * @param unlike     distance from which a pixel does not look like background
     * @param radius     half-width of the band, covering the hard cut's uncertainty
     */
    static Matte estimate(Raster picture, byte[] object, BackgroundModel model, float[] distance, double unlike, int radius) {
        int w = picture.width(), h = picture.height(), n = w * h;
        byte[] background = new byte[n];
        for (int i = 0; i < n; i++) {
            background[i] = (byte) (1 - object[i]);
        }
        byte[] objectCore = CutoutTrimap.eroded(object, w, h, radius);
        byte[] backgroundCore = CutoutTrimap.eroded(background, w, h, radius);
        byte[] band = new byte[n];
        float[] alpha = new float[n];
        for (int i = 0; i < n; i++) {
            band[i] = (byte) (objectCore[i] == 0 && backgroundCore[i] == 0 ? 1 : 0);
            alpha[i] = object[i];
        }
        float[] colour = new float[n * 3];
        byte[] p = picture.rgba();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                colour[i * 3 + c] = p[i * 4 + c] & 0xFF;
            }
        }
        // Object colour: nearby object pixels, the most unlike the background weighing most,
        // so the half-covered pixels at the edge do not pull it toward the background.
        float[] objectWeight = new float[n];
        for (int i = 0; i < n; i++) {
            double far = distance[i] / 255.0;
            objectWeight[i] = (float) (object[i] * far * far * far * far);
        }
        float[] objectColour = weightedBlur(colour, objectWeight, w, h, radius + 1, 0, null);
        // Background colour: nearby background pixels (they follow texture the model smooths
        // over), falling back on the model where none is near.
        float[] backgroundWeight = new float[n];
        for (int i = 0; i < n; i++) {
            backgroundWeight[i] = backgroundCore[i] != 0 && distance[i] < unlike ? 1 : 0;
        }
        float[] backgroundColour = weightedBlur(colour, backgroundWeight, w, h, radius + 2, 0.01f, model.colours(w, h));

        float[] feathered = feathered(object, distance, w, h, radius, unlike);
        for (int i = 0; i < n; i++) {
            if (band[i] == 0) {
                continue;
            }
            alpha[i] = snap(bandAlpha(i, colour, objectColour, backgroundColour, object[i] != 0, distance[i], unlike, feathered[i]));
        }
        return new Matte(w, h, alpha, band, objectColour, backgroundColour);
    }

    private static float bandAlpha(int i, float[] colour, float[] objectColour, float[] backgroundColour, boolean inObject,
                                   float distance, double unlike, float feathered) {
        if (Float.isNaN(objectColour[i * 3])) {
            return feathered;
        }
        double along = 0, contrast = 0;
        double[] v = new double[3], u = new double[3];
        for (int c = 0; c < 3; c++) {
            v[c] = colour[i * 3 + c] - backgroundColour[i * 3 + c];
            u[c] = objectColour[i * 3 + c] - backgroundColour[i * 3 + c];
            along += v[c] * u[c];
            contrast += u[c] * u[c];
        }
        double length = Math.sqrt(contrast);
        if (length < 1e-3) {
            return feathered;
        }
        double mix = along / contrast;
        double across = 0;
        for (int c = 0; c < 3; c++) {
            double off = v[c] - mix * u[c];
            across += off * off;
        }
        if (Math.sqrt(across) > Math.max(unlike, 0.25 * length)) {
            // Not a mix of this object colour and the background: another object colour if it is unlike the background.
            return inObject && distance >= unlike ? 1 : feathered;
        }
        double trust = Math.max(0, Math.min(1, (length - unlike) / (2 * unlike)));
        double projected = Math.max(0, Math.min(1, mix));
        return (float) (trust * projected + (1 - trust) * feathered);
    }

    private static float snap(float a) {
        return a < SNAP ? 0 : a > 1 - SNAP ? 1 : a;
    }

    /** The hard cut smoothed by a guided filter that follows the distance-to-background map. */
    private static float[] feathered(byte[] object, float[] distance, int w, int h, int radius, double unlike) {
        float[] hard = new float[object.length];
        float[] guide = new float[object.length];
        for (int i = 0; i < hard.length; i++) {
            hard[i] = object[i];
            guide[i] = distance[i] / 255f;
        }
        Mat guideMat = OpenCvNatives.toMat(guide, w, h, 1);
        Mat hardMat = OpenCvNatives.toMat(hard, w, h, 1);
        double noise = unlike / 255;
        Mat soft = GuidedFilter.apply(guideMat, hardMat, radius, noise * noise);
        float[] result = OpenCvNatives.floats(soft);
        guideMat.release();
        hardMat.release();
        soft.release();
        for (int i = 0; i < result.length; i++) {
            result[i] = Math.max(0, Math.min(1, result[i]));
        }
        return result;
    }

    /**
     * Normalised convolution: the Gaussian-weighted mean colour of the weighted pixels
     * around each pixel. Where the weights nearby sum to nothing it is NaN, or with a
     * fallback, the fallback mixed in with weight {@code fallbackWeight}.
     */
    private static float[] weightedBlur(float[] colour, float[] weight, int w, int h, double sigma,
                                        float fallbackWeight, float[] fallback) {
        int n = w * h;
        float[] weighted = new float[n * 3];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                weighted[i * 3 + c] = colour[i * 3 + c] * weight[i];
            }
        }
        Mat colourMat = OpenCvNatives.toMat(weighted, w, h, 3);
        Mat weightMat = OpenCvNatives.toMat(weight, w, h, 1);
        Mat colourBlur = new Mat();
        Mat weightBlur = new Mat();
        Imgproc.GaussianBlur(colourMat, colourBlur, new Size(0, 0), sigma, sigma, Core.BORDER_REPLICATE);
        Imgproc.GaussianBlur(weightMat, weightBlur, new Size(0, 0), sigma, sigma, Core.BORDER_REPLICATE);
        float[] sums = OpenCvNatives.floats(colourBlur);
        float[] totals = OpenCvNatives.floats(weightBlur);
        for (Mat m : new Mat[] {colourMat, weightMat, colourBlur, weightBlur}) {
            m.release();
        }
        float[] mean = new float[n * 3];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                if (fallback != null) {
                    mean[i * 3 + c] = (sums[i * 3 + c] + fallbackWeight * fallback[i * 3 + c]) / (totals[i] + fallbackWeight);
                } else {
                    mean[i * 3 + c] = totals[i] > 1e-12f ? sums[i * 3 + c] / totals[i] : Float.NaN;
                }
            }
        }
        return mean;
    }
}
