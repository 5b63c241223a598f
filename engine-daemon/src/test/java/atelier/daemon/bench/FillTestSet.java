package atelier.daemon.bench;

import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The content-fill test set: real photographs from assets/testsets/fill, each with a hole
 * of object size; the photograph's own pixels under the hole are the ground truth.
 */
public final class FillTestSet {

    /** One case: a picture, an elliptical hole (centre, radii) over it. */
    public record Case(String name, String file, int cx, int cy, int rx, int ry) {

        public Raster truth() throws IOException {
            try (InputStream in = FillTestSet.class.getResourceAsStream("/atelier/testsets/fill/" + file)) {
                if (in == null) {
                    throw new IOException("missing test picture " + file);
                }
                return PngCodec.decodeRgba(in.readAllBytes(), Long.MAX_VALUE);
            } catch (PngCodec.BadPng e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
        }

        public Mask hole(Extent extent) {
            return ellipse(extent, cx, cy, rx, ry);
        }
    }

    public static final List<Case> CASES = List.of(
            new Case("astronaut-suit", "astronaut.png", 90, 420, 45, 40),
            new Case("chelsea-fur", "chelsea.png", 250, 60, 45, 30),
            new Case("coffee-table", "coffee.png", 100, 320, 70, 45),
            new Case("coffee-saucer", "coffee.png", 430, 330, 110, 60),
            new Case("rocket-sky", "rocket.png", 200, 120, 60, 45),
            new Case("brick-wall", "brick.png", 256, 256, 80, 60),
            new Case("grass", "grass.png", 200, 300, 100, 70),
            new Case("gravel", "gravel.png", 300, 200, 110, 90));

    private FillTestSet() {
    }

    public static Mask ellipse(Extent extent, int cx, int cy, int rx, int ry) {
        Mask mask = Mask.empty(extent);
        for (int y = Math.max(0, cy - ry); y <= Math.min(extent.height() - 1, cy + ry); y++) {
            for (int x = Math.max(0, cx - rx); x <= Math.min(extent.width() - 1, cx + rx); x++) {
                double dx = (x - cx) / (double) rx, dy = (y - cy) / (double) ry;
                if (dx * dx + dy * dy <= 1) {
                    mask.set(x, y, 255);
                }
            }
        }
        return mask;
    }

    /** The picture with the hole painted flat grey, so no engine can see what was there. */
    public static Raster withHole(Raster truth, Mask hole) {
        Raster out = truth.copy();
        for (int i = 0; i < hole.values().length; i++) {
            if (hole.values()[i] != 0) {
                out.rgba()[i * 4] = out.rgba()[i * 4 + 1] = out.rgba()[i * 4 + 2] = (byte) 128;
            }
        }
        return out;
    }

    /** Peak signal-to-noise ratio of the RGB pixels inside the hole, in dB. */
    public static double holePsnr(Raster result, Raster truth, Mask hole) {
        double squares = 0;
        long count = 0;
        for (int i = 0; i < hole.values().length; i++) {
            if (hole.values()[i] != 0) {
                for (int c = 0; c < 3; c++) {
                    int d = (result.rgba()[i * 4 + c] & 0xFF) - (truth.rgba()[i * 4 + c] & 0xFF);
                    squares += d * d;
                }
                count += 3;
            }
        }
        double mse = squares / Math.max(1, count);
        return mse == 0 ? 99 : 10 * Math.log10(255.0 * 255.0 / mse);
    }

    /**
     * Texture kept: mean absolute Laplacian of the grey picture inside the hole (less a
     * 2-pixel rim, where the seam itself would count), result over ground truth.
     * Blurring fills score well below 1.
     */
    public static double sharpnessRatio(Raster result, Raster truth, Mask hole) {
        return laplacianEnergy(result, hole) / Math.max(1e-9, laplacianEnergy(truth, hole));
    }

    private static double laplacianEnergy(Raster raster, Mask hole) {
        int w = raster.width(), h = raster.height();
        double sum = 0;
        long count = 0;
        for (int y = 3; y < h - 3; y++) {
            for (int x = 3; x < w - 3; x++) {
                if (!insideBy(hole, x, y, 2)) {
                    continue;
                }
                double lap = 4 * grey(raster, x, y) - grey(raster, x - 1, y) - grey(raster, x + 1, y)
                        - grey(raster, x, y - 1) - grey(raster, x, y + 1);
                sum += Math.abs(lap);
                count++;
            }
        }
        return sum / Math.max(1, count);
    }

    private static boolean insideBy(Mask hole, int x, int y, int margin) {
        for (int dy = -margin; dy <= margin; dy++) {
            for (int dx = -margin; dx <= margin; dx++) {
                if (hole.at(x + dx, y + dy) == 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double grey(Raster raster, int x, int y) {
        return 0.299 * raster.channel(x, y, 0) + 0.587 * raster.channel(x, y, 1) + 0.114 * raster.channel(x, y, 2);
    }

    /** The share of the picture a hole covers. */
    public static double coverage(Mask hole) {
        return hole.selectedPixels() / (double) hole.extent().pixels();
    }

}
