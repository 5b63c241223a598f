package atelier.daemon.classic;

import atelier.daemon.image.Extent;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.imgproc.Imgproc;

/**
 * Trapped-ball seeds: a ball wider than the widest gap to close rolls through the free
 * space (everything that is not ink) and cannot pass through a gap, so each place it can
 * reach is one region's seed. Thin shapes the ball cannot enter at all get seeds of their
 * own when they are long enough to be a shape and not a corner. {@link RegionLabels}
 * grows the seeds back over every pixel.
 */
public final class GapClosing {

    /**
     * Seeds as labels 1..count, 0 where no seed is. family[label]: the first label of the pieces
     * {@link NeckSplit} cut from one region of the ball (a label's own where it was not cut), so
     * the pieces of one shape with a waist can still be told to be one shape.
     */
    public record Seeds(int[] labels, int count, int[] family) {
        public Seeds(int[] labels, int count) {
            this(labels, count, identity(count));
        }

        static int[] identity(int count) {
            int[] family = new int[count + 1];
            for (int i = 0; i <= count; i++) {
                family[i] = i;
            }
            return family;
        }
    }

    private GapClosing() {
    }

    public static Seeds seeds(LineArt lines, int gap) {
        Extent extent = lines.extent();
        Mat free = freeSpace(lines);
        Mat clearance = new Mat();
        Mat ball = new Mat();
        Mat seeds = new Mat();
        try {
            if (gap == 0) {
                // Nothing to close: every pocket of free space is its own region.
                int count = Imgproc.connectedComponents(free, seeds, 4, CvType.CV_32S) - 1;
                return new Seeds(ints(seeds, extent), count);
            }
            // A gap of g pixels leaves its middle pixel (g + 1) / 2 from the ink on either side.
            double radius = (gap + 1) / 2.0;
            Imgproc.distanceTransform(free, clearance, Imgproc.DIST_L2, Imgproc.DIST_MASK_5);
            Imgproc.threshold(clearance, ball, radius, 255, Imgproc.THRESH_BINARY);
            ball.convertTo(ball, CvType.CV_8U);
            Imgproc.connectedComponents(ball, seeds, 4, CvType.CV_32S);
            float[] distance = new float[Math.toIntExact(extent.pixels())];
            clearance.get(0, 0, distance);
            Seeds split = NeckSplit.split(distance, ints(seeds, extent), radius, extent.width(), extent.height());
            int[] labels = split.labels();
            int count = addThinShapes(free, ball, radius, labels, split.count(), extent);
            int[] family = Seeds.identity(count);
            System.arraycopy(split.family(), 0, family, 0, split.count() + 1);
            return new Seeds(labels, count, family);
        } finally {
            free.release();
            clearance.release();
            ball.release();
            seeds.release();
        }
    }

    /**
     * Free space the ball never covers (its centres grown back by its radius) is a thin
     * shape, a sharp corner or a gap; only the long pieces are shapes.
     */
    private static int addThinShapes(Mat free, Mat ballCentres, double radius, int[] labels, int count, Extent extent) {
        Mat notCentre = new Mat();
        Mat reach = new Mat();
        Mat covered = new Mat();
        Mat thin = new Mat();
        Mat pieces = new Mat();
        Mat stats = new Mat();
        Mat centroids = new Mat();
        try {
            Core.bitwise_not(ballCentres, notCentre);
            Imgproc.distanceTransform(notCentre, reach, Imgproc.DIST_L2, Imgproc.DIST_MASK_5);
            Imgproc.threshold(reach, covered, radius + 1, 255, Imgproc.THRESH_BINARY);
            covered.convertTo(covered, CvType.CV_8U);
            Core.bitwise_and(free, covered, thin);
            int found = Imgproc.connectedComponentsWithStats(thin, pieces, stats, centroids, 4, CvType.CV_32S);
            int minArea = (int) Math.ceil(Math.max(24, 6 * radius * radius));
            int[] newLabel = new int[found];
            for (int p = 1; p < found; p++) {
                if (stats.get(p, Imgproc.CC_STAT_AREA)[0] >= minArea) {
                    newLabel[p] = ++count;
                }
            }
            int[] piece = ints(pieces, extent);
            for (int i = 0; i < piece.length; i++) {
                if (newLabel[piece[i]] != 0) {
                    labels[i] = newLabel[piece[i]];
                }
            }
            return count;
        } finally {
            notCentre.release();
            reach.release();
            covered.release();
            thin.release();
            pieces.release();
            stats.release();
            centroids.release();
        }
    }

    /** 255 where there is no ink. */
    static Mat freeSpace(LineArt lines) {
        byte[] free = new byte[lines.line().length];
        for (int i = 0; i < free.length; i++) {
            free[i] = lines.line()[i] == 0 ? (byte) 255 : 0;
        }
        Mat mat = new Mat(lines.extent().height(), lines.extent().width(), CvType.CV_8UC1);
        mat.put(0, 0, free);
        return mat;
    }

    static int[] ints(Mat labels, Extent extent) {
        int[] out = new int[Math.toIntExact(extent.pixels())];
        labels.get(0, 0, out);
        return out;
    }
}
