package atelier.daemon;

import atelier.daemon.image.Extent;
import atelier.daemon.image.Raster;
import java.util.List;

/**
 * Renders shapes over a backdrop with their exact coverage: each pixel is sub-sampled, so
 * edges are anti-aliased as a painter's renderer would draw them, and the picture is exactly
 * alpha x object + (1 - alpha) x backdrop. Cut-out tests compare engines against that alpha.
 */
public final class Drawing {

    /** A colour (r, g, b) at a point of the picture. */
    public interface Paint {
        int[] at(double x, double y);
    }

    /** One object: where it is and how it is coloured. Later parts cover earlier ones. */
    public record Part(Shape shape, Paint paint) {
    }

    /** The picture and the alpha (0..1 a pixel) a perfect cut-out gives it. */
    public record Rendered(Raster picture, float[] alpha) {
    }

    private Drawing() {
    }

    /** The backdrop is sampled once at each pixel's centre; the parts at every sub-sample. */
    public static Rendered render(Extent extent, Paint backdrop, List<Part> parts, int subsamples) {
        int width = extent.width(), height = extent.height();
        Raster picture = Raster.blank(extent);
        float[] alpha = new float[width * height];
        byte[] p = picture.rgba();
        int samples = subsamples * subsamples;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double[] sum = new double[3];
                int covered = 0;
                for (int sy = 0; sy < subsamples; sy++) {
                    for (int sx = 0; sx < subsamples; sx++) {
                        double px = x + (sx + 0.5) / subsamples, py = y + (sy + 0.5) / subsamples;
                        int[] colour = null;
                        for (Part part : parts) {
                            if (part.shape().contains(px, py)) {
                                colour = part.paint().at(px, py);
                            }
                        }
                        if (colour != null) {
                            covered++;
                            for (int c = 0; c < 3; c++) {
                                sum[c] += colour[c];
                            }
                        }
                    }
                }
                int[] back = backdrop.at(x + 0.5, y + 0.5);
                int i = y * width + x;
                double a = (double) covered / samples;
                for (int c = 0; c < 3; c++) {
                    double object = covered == 0 ? 0 : sum[c] / covered;
                    p[i * 4 + c] = (byte) Math.round(a * object + (1 - a) * back[c]);
                }
                p[i * 4 + 3] = (byte) 255;
                alpha[i] = (float) a;
            }
        }
        return new Rendered(picture, alpha);
    }
}
