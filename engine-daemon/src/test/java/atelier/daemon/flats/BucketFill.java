package atelier.daemon.flats;

import atelier.daemon.image.Compositing;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

/**
 * The reference: what a paint program's bucket tool does with the same hints. One flood
 * fill per hint dab (OpenCV floodFill, no gap closing), over the line art's grey level
 * within a tolerance of the clicked pixel; what no fill reaches stays transparent.
 */
public final class BucketFill {

    /** Like a bucket tool's threshold: wide enough for paper grain and anti-aliased fringes to stop it. */
    private static final double TOLERANCE = 64;

    private BucketFill() {
    }

    /** Fills from each hint pixel of the scene, in region order; segment ids are the hint's region. */
    public static Result fill(Raster lineArt, LineArtScene scene) {
        OpenCvNatives.load();
        int w = scene.extent().width(), h = scene.extent().height();
        Raster paper = Compositing.overWhite(lineArt);
        byte[] grey = new byte[w * h];
        for (int i = 0; i < grey.length; i++) {
            byte[] p = paper.rgba();
            grey[i] = (byte) (((p[i * 4] & 0xFF) * 299 + (p[i * 4 + 1] & 0xFF) * 587 + (p[i * 4 + 2] & 0xFF) * 114) / 1000);
        }
        Mat image = new Mat(h, w, CvType.CV_8UC1);
        Mat filled = Mat.zeros(h + 2, w + 2, CvType.CV_8UC1);
        try {
            image.put(0, 0, grey);
            long nanos = 0;
            int[] segment = new int[w * h];
            java.util.Arrays.fill(segment, -1);
            for (int region = 0; region < scene.regionCount(); region++) {
                int seed = scene.seedPixel()[region];
                Point at = new Point(seed % w, seed / w);
                if (filled.get((int) at.y + 1, (int) at.x + 1)[0] != 0) {
                    continue;
                }
                Rect box = new Rect();
                int flags = 4 | Imgproc.FLOODFILL_MASK_ONLY | Imgproc.FLOODFILL_FIXED_RANGE | (1 << 8);
                long start = System.nanoTime();
                Imgproc.floodFill(image, filled, at, new Scalar(0), box, new Scalar(TOLERANCE), new Scalar(TOLERANCE), flags);
                nanos += System.nanoTime() - start;
                claim(filled, box, region, segment, w);
            }
            Raster flats = Raster.blank(scene.extent());
            for (int i = 0; i < segment.length; i++) {
                if (segment[i] >= 0) {
                    System.arraycopy(scene.truth().rgba(), scene.seedPixel()[segment[i]] * 4, flats.rgba(), i * 4, 4);
                }
            }
            return new Result(flats, segment, nanos);
        } finally {
            image.release();
            filled.release();
        }
    }

    /**
     * A bucket click on the first pixel of each scribble, filled with the scribble's colour;
     * a scribble whose pixel an earlier fill took is not clicked again.
     */
    public static Result fromHints(Raster lineArt, Raster hints) {
        OpenCvNatives.load();
        int w = lineArt.width(), h = lineArt.height();
        Raster paper = Compositing.overWhite(lineArt);
        byte[] p = paper.rgba();
        byte[] grey = new byte[w * h];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = (byte) (((p[i * 4] & 0xFF) * 299 + (p[i * 4 + 1] & 0xFF) * 587 + (p[i * 4 + 2] & 0xFF) * 114) / 1000);
        }
        Mat image = new Mat(h, w, CvType.CV_8UC1);
        Mat filled = Mat.zeros(h + 2, w + 2, CvType.CV_8UC1);
        try {
            image.put(0, 0, grey);
            byte[] hint = hints.rgba();
            int[] segment = new int[w * h];
            java.util.Arrays.fill(segment, -1);
            java.util.Map<Integer, Integer> clickedColour = new java.util.HashMap<>();
            long nanos = 0;
            for (int i = 0; i < segment.length; i++) {
                if ((hint[i * 4 + 3] & 0xFF) < 128 || segment[i] >= 0) {
                    continue;
                }
                int colour = RealLineArt.rgb(hint, i);
                if (clickedColour.containsValue(colour)) {
                    continue;
                }
                clickedColour.put(i, colour);
                Rect box = new Rect();
                int flags = 4 | Imgproc.FLOODFILL_MASK_ONLY | Imgproc.FLOODFILL_FIXED_RANGE | (1 << 8);
                long start = System.nanoTime();
                Imgproc.floodFill(image, filled, new Point(i % w, i / w), new Scalar(0), box, new Scalar(TOLERANCE),
                        new Scalar(TOLERANCE), flags);
                nanos += System.nanoTime() - start;
                claim(filled, box, i, segment, w);
            }
            Raster flats = Raster.blank(lineArt.extent());
            for (int i = 0; i < segment.length; i++) {
                if (segment[i] >= 0) {
                    System.arraycopy(hint, segment[i] * 4, flats.rgba(), i * 4, 3);
                    flats.rgba()[i * 4 + 3] = (byte) 255;
                }
            }
            return new Result(flats, segment, nanos);
        } finally {
            image.release();
            filled.release();
        }
    }

    /** This fill's pixels are 1 in the mask (the mask is one pixel larger all round): they become the region's, then 2. */
    private static void claim(Mat filled, Rect box, int region, int[] segment, int w) {
        Mat inBox = filled.submat(box.y + 1, box.y + 1 + box.height, box.x + 1, box.x + 1 + box.width).clone();
        byte[] marks = new byte[box.width * box.height];
        inBox.get(0, 0, marks);
        for (int j = 0; j < marks.length; j++) {
            if (marks[j] == 1) {
                segment[(box.y + j / box.width) * w + box.x + j % box.width] = region;
                marks[j] = 2;
            }
        }
        inBox.put(0, 0, marks);
        inBox.copyTo(filled.submat(box.y + 1, box.y + 1 + box.height, box.x + 1, box.x + 1 + box.width));
        inBox.release();
    }

    /** @param flats the filled colours; @param segment which fill reached each pixel, -1 none */
    public record Result(Raster flats, int[] segment, long nanos) {
    }
}
