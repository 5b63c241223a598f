package atelier.daemon.image;

import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * The main subject of a cut-out: the largest opaque part, the parts that overlap its bounds
 * (a handle, a shadow, the letters on a label) and any part nearly as large. Other separate
 * parts (a cup, a boat, the salient things behind an icon) are made transparent with their
 * soft edges.
 */
public final class MainSubject {

    /** Parts at least this share of the largest one are subjects too. */
    static final double SECOND_SUBJECT = 0.5;
    /** The largest part's bounds grow by this share of their size before overlap is tested. */
    static final double REACH = 0.05;
    /** Parts smaller than this many pixels are specks, not objects worth reporting. */
    static final int SPECK = 64;

    /** @param dropped how many separate parts (not specks) were made transparent */
    public record Kept(int dropped) {
    }

    private MainSubject() {
    }

    /** Drops, in place, the cut-out's parts that are not the main subject. */
    public static Kept keep(Raster cutout) {
        OpenCvNatives.load();
        int w = cutout.width(), h = cutout.height(), n = w * h;
        byte[] rgba = cutout.rgba();
        byte[] opaque = new byte[n];
        for (int i = 0; i < n; i++) {
            opaque[i] = (rgba[i * 4 + 3] & 0xff) >= 128 ? (byte) 255 : 0;
        }
        Mat binary = new Mat(h, w, CvType.CV_8UC1);
        Mat labels = new Mat();
        Mat stats = new Mat();
        Mat centroids = new Mat();
        Mat kept = new Mat();
        Mat near = new Mat();
        try {
            binary.put(0, 0, opaque);
            int count = Imgproc.connectedComponentsWithStats(binary, labels, stats, centroids, 8, CvType.CV_32S);
            if (count <= 2) {
                return new Kept(0);
            }
            int largest = 1;
            for (int p = 2; p < count; p++) {
                if (stats.get(p, Imgproc.CC_STAT_AREA)[0] > stats.get(largest, Imgproc.CC_STAT_AREA)[0]) {
                    largest = p;
                }
            }
            Bounds main = box(stats, largest);
            main = main.pad((int) Math.round(REACH * Math.max(main.width(), main.height())));
            double largestArea = stats.get(largest, Imgproc.CC_STAT_AREA)[0];
            boolean[] keepPart = new boolean[count];
            int dropped = 0;
            for (int p = 1; p < count; p++) {
                double area = stats.get(p, Imgproc.CC_STAT_AREA)[0];
                keepPart[p] = p == largest || area >= SECOND_SUBJECT * largestArea || !box(stats, p).intersect(main).isEmpty();
                dropped += !keepPart[p] && area >= SPECK ? 1 : 0;
            }
            int[] part = new int[n];
            labels.get(0, 0, part);
            byte[] keepMask = new byte[n];
            for (int i = 0; i < n; i++) {
                keepMask[i] = keepPart[part[i]] ? (byte) 255 : 0;
            }
            // The kept parts' soft edges (alpha under one half) stay; those of dropped parts go with them.
            kept.create(h, w, CvType.CV_8UC1);
            kept.put(0, 0, keepMask);
            Imgproc.dilate(kept, near, Imgproc.getStructuringElement(Imgproc.MORPH_ELLIPSE, new Size(9, 9)));
            byte[] around = new byte[n];
            near.get(0, 0, around);
            for (int i = 0; i < n; i++) {
                if (around[i] == 0 || (part[i] != 0 && !keepPart[part[i]])) {
                    rgba[i * 4 + 3] = 0;
                }
            }
            return new Kept(dropped);
        } finally {
            binary.release();
            labels.release();
            stats.release();
            centroids.release();
            kept.release();
            near.release();
        }
    }

    private static Bounds box(Mat stats, int p) {
        return new Bounds((int) stats.get(p, Imgproc.CC_STAT_LEFT)[0], (int) stats.get(p, Imgproc.CC_STAT_TOP)[0],
                (int) stats.get(p, Imgproc.CC_STAT_WIDTH)[0], (int) stats.get(p, Imgproc.CC_STAT_HEIGHT)[0]);
    }
}
