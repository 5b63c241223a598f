package atelier.daemon.neural.diffusion.pipeline;

import atelier.daemon.classic.LineArt;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import atelier.daemon.neural.diffusion.sampling.LatentMask;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Pictures to and from what SD 1.5's VAE takes: three planes R, G, B in -1..1 at the working
 * size. Shrinking averages areas (no aliasing), growing is bicubic; values are clamped on the
 * way back. Alpha is not the model's business: callers composite with the selection.
 */
public final class PicturePlanes {

    private PicturePlanes() {
    }

    /** The region's colours at the working size, planes R, G, B of rows, in -1..1. */
    public static float[] toModel(Raster region, Extent working) {
        Mat rgba = OpenCvNatives.toMat(region);
        Mat sized = resize(rgba, region.extent(), working);
        byte[] bytes = OpenCvNatives.bytes(sized);
        int plane = Math.toIntExact(working.pixels());
        float[] planes = new float[3 * plane];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                planes[c * plane + p] = (bytes[4 * p + c] & 0xFF) / 127.5f - 1;
            }
        }
        return planes;
    }

    /** Planes in -1..1 at the working size back to an opaque picture of the region's size. */
    public static Raster fromModel(float[] planes, Extent working, Extent region) {
        int plane = Math.toIntExact(working.pixels());
        if (planes.length != 3 * plane) {
            throw new IllegalArgumentException(planes.length + " values for 3 planes of " + working);
        }
        byte[] rgba = new byte[4 * plane];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                rgba[4 * p + c] = (byte) Math.round(Math.max(0, Math.min(255, (planes[c * plane + p] + 1) * 127.5f)));
            }
            rgba[4 * p + 3] = (byte) 255;
        }
        Mat sized = resize(OpenCvNatives.toMat(Raster.wrap(working, rgba)), working, region);
        return OpenCvNatives.toRaster(sized);
    }

    /**
     * Line art as the line-art ControlNets take it: white lines on black, three equal planes in
     * 0..1 at the working size. Darkness is measured against the artist's paper and ink
     * (LineArt), so dark lines on white, grey pencil, coloured ink and lines on a transparent
     * layer all become the same clean white-on-black drawing.
     */
    public static float[] lineHint(Raster lineArt, Extent working) {
        LineArt lines = LineArt.of(lineArt);
        Mask darkness = resized(Mask.wrap(lineArt.extent(), lines.darkness().clone()), working);
        byte[] values = darkness.values();
        int plane = values.length;
        float[] planes = new float[3 * plane];
        for (int p = 0; p < plane; p++) {
            float v = (values[p] & 0xFF) / 255f;
            planes[p] = v;
            planes[plane + p] = v;
            planes[2 * plane + p] = v;
        }
        return planes;
    }

    /** A selection at another size, its soft values kept. */
    public static Mask resized(Mask mask, Extent to) {
        OpenCvNatives.load();
        Mat m = new Mat(mask.extent().height(), mask.extent().width(), org.opencv.core.CvType.CV_8UC1);
        m.put(0, 0, mask.values());
        return Mask.wrap(to, OpenCvNatives.bytes(resize(m, mask.extent(), to)));
    }

    /** The selection as latent weights 0..1: each latent position the mean coverage of its pixels. */
    public static LatentMask latentMask(Mask working, int latentWidth, int latentHeight) {
        Mask small = resized(working, new Extent(latentWidth, latentHeight));
        float[] weights = new float[latentWidth * latentHeight];
        byte[] values = small.values();
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (values[i] & 0xFF) / 255f;
        }
        return new LatentMask(latentHeight, latentWidth, weights);
    }

    /**
     * The generated picture shifted, channel by channel, so its mean colour over the kept
     * pixels (selection 0) matches the original's there: VAE round trips and sampling drift
     * colours a little, and the paste-back would show it as a seam.
     */
    public static Raster colourMatched(Raster generated, Raster original, Mask selection) {
        byte[] g = generated.rgba();
        byte[] o = original.rgba();
        double[] shift = new double[3];
        long kept = 0;
        byte[] sel = selection.values();
        for (int p = 0; p < sel.length; p++) {
            if (sel[p] == 0) {
                kept++;
                for (int c = 0; c < 3; c++) {
                    shift[c] += (o[4 * p + c] & 0xFF) - (g[4 * p + c] & 0xFF);
                }
            }
        }
        Raster out = generated.copy();
        if (kept == 0) {
            return out;
        }
        byte[] rgba = out.rgba();
        for (int p = 0; p < sel.length; p++) {
            for (int c = 0; c < 3; c++) {
                int v = (int) Math.round((rgba[4 * p + c] & 0xFF) + shift[c] / kept);
                rgba[4 * p + c] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        return out;
    }

    private static Mat resize(Mat source, Extent from, Extent to) {
        if (from.equals(to)) {
            return source;
        }
        Mat out = new Mat();
        int interpolation = to.pixels() < from.pixels() ? Imgproc.INTER_AREA : Imgproc.INTER_CUBIC;
        Imgproc.resize(source, out, new Size(to.width(), to.height()), 0, 0, interpolation);
        return out;
    }
}
