package atelier.daemon.classic;

import atelier.daemon.image.Compositing;
import atelier.daemon.image.Extent;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Where the ink is. Darkness is measured from the paper to the artist's own ink, not from
 * white to black, so a scan on cream paper, grey pencil-like lines, coloured lines and lines
 * on a transparent layer (composited over white) all read the same way: a grey line is as
 * wide and as unbroken as the same line drawn in black.
 *
 * @param darkness 0 = paper, 255 = the drawing's typical ink, lightly smoothed so scanner noise does not speckle
 * @param line     1 where a pixel is ink (darkness at or above {@link #INK}), else 0
 */
public record LineArt(Extent extent, byte[] darkness, byte[] line, int linePixels) {

    /**
     * Ink threshold on the 0..255 darkness scale: a quarter of the way to the ink keeps the
     * anti-aliased core of light grey lines while paper grain (a few levels after smoothing)
     * and uneven scan lighting stay below it.
     */
    static final int INK = 64;

    /**
     * The faintest ink level the scale adapts to, on the paper-to-black scale (a line a
     * little lighter than mid-grey): on a blank page Otsu's "ink" is paper grain and uneven
     * scan lighting, and stretching those further would draw lines that are not there.
     */
    static final int FAINTEST_INK = 96;

    public static LineArt of(Raster drawing) {
        OpenCvNatives.load();
        Extent extent = drawing.extent();
        int n = Math.toIntExact(extent.pixels());
        byte[] overWhite = Compositing.overWhite(drawing).rgba();
        int[] paper = paper(overWhite, n);
        byte[] raw = new byte[n];
        for (int i = 0; i < n; i++) {
            int dark = 0;
            for (int c = 0; c < 3; c++) {
                // The channel that lost most against the paper: a red line on white is dark in green and blue.
                int lost = (paper[c] - (overWhite[i * 4 + c] & 0xFF)) * 255 / Math.max(paper[c], 1);
                dark = Math.max(dark, lost);
            }
            raw[i] = (byte) Math.min(255, Math.max(0, dark));
        }
        stretchToInk(raw);
        byte[] darkness = smoothed(raw, extent);
        byte[] line = new byte[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            if ((darkness[i] & 0xFF) >= INK) {
                line[i] = 1;
                count++;
            }
        }
        return new LineArt(extent, darkness, line, count);
    }

    public boolean isLine(int index) {
        return line[index] != 0;
    }

    public int freePixels() {
        return line.length - linePixels;
    }

    /** The paper colour: the per-channel median, since paper covers most of a page of line art. */
    private static int[] paper(byte[] rgba, int n) {
        int[] paper = new int[3];
        for (int c = 0; c < 3; c++) {
            int[] histogram = new int[256];
            for (int i = 0; i < n; i++) {
                histogram[rgba[i * 4 + c] & 0xFF]++;
            }
            int seen = 0;
            int v = 0;
            while (v < 255 && (seen += histogram[v]) < (n + 1) / 2) {
                v++;
            }
            paper[c] = v;
        }
        return paper;
    }

    /**
     * Rescales darkness so the drawing's typical ink reads 255. The ink level is the mean
     * darkness of the ink class that Otsu's threshold separates from the paper; without it a
     * mid-grey line (140 of 255) loses its anti-aliased edges and the short stubs between
     * two nearby breaks to the smoothing, and a 3-pixel break grows into one no gap closing
     * can span.
     */
    private static void stretchToInk(byte[] raw) {
        long[] histogram = new long[256];
        for (byte v : raw) {
            histogram[v & 0xFF]++;
        }
        int level = Math.max(FAINTEST_INK, inkLevel(histogram, raw.length));
        if (level >= 255) {
            return;
        }
        byte[] stretch = new byte[256];
        for (int v = 0; v < 256; v++) {
            stretch[v] = (byte) Math.min(255, v * 255 / level);
        }
        for (int i = 0; i < raw.length; i++) {
            raw[i] = stretch[raw[i] & 0xFF];
        }
    }

    /** Mean darkness above Otsu's threshold (0 when everything is paper). */
    static int inkLevel(long[] histogram, long n) {
        double total = 0;
        for (int v = 0; v < 256; v++) {
            total += (double) v * histogram[v];
        }
        double below = 0, belowSum = 0, bestSpread = -1;
        int threshold = 0;
        for (int t = 0; t < 255; t++) {
            below += histogram[t];
            belowSum += (double) t * histogram[t];
            double above = n - below;
            if (below == 0 || above == 0) {
                continue;
            }
            double meanBelow = belowSum / below, meanAbove = (total - belowSum) / above;
            double spread = below * above * (meanAbove - meanBelow) * (meanAbove - meanBelow);
            if (spread > bestSpread) {
                bestSpread = spread;
                threshold = t + 1;
            }
        }
        long count = 0;
        double sum = 0;
        for (int v = threshold; v < 256; v++) {
            count += histogram[v];
            sum += (double) v * histogram[v];
        }
        return count == 0 || bestSpread < 0 ? 0 : (int) Math.round(sum / count);
    }

    /** A 3x3 Gaussian: it cuts scanner noise by more than half and keeps one-pixel lines above {@link #INK}. */
    private static byte[] smoothed(byte[] raw, Extent extent) {
        Mat in = new Mat(extent.height(), extent.width(), CvType.CV_8UC1);
        Mat out = new Mat();
        try {
            in.put(0, 0, raw);
            Imgproc.GaussianBlur(in, out, new Size(3, 3), 0);
            byte[] smoothed = new byte[raw.length];
            out.get(0, 0, smoothed);
            return smoothed;
        } finally {
            in.release();
            out.release();
        }
    }
}
