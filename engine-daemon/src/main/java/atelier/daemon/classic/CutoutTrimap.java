package atelier.daemon.classic;

import atelier.daemon.image.OpenCvNatives;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * GrabCut's starting labels, from each pixel's distance to the background model:
 * background-coloured pixels joined to the border are sure background (away from
 * objects); background-coloured pockets inside an object (the hole of an "O", a white
 * highlight on a white backdrop) are probably background; pixels far from the
 * background colour are sure object; those in between are probably object. What the
 * artist marked to keep is sure object.
 */
final class CutoutTrimap {

    /** Sure labels stay this many pixels away from the boundary between the classes, for GrabCut to place it. */
    private static final int MARGIN = 2;

    final int width;
    final int height;
    /** Imgproc.GC_BGD, GC_FGD, GC_PR_BGD or GC_PR_FGD per pixel. */
    final byte[] labels;
    final int objectPixels;
    final int backgroundPixels;

    private CutoutTrimap(int width, int height, byte[] labels, int objectPixels, int backgroundPixels) {
        this.width = width;
        this.height = height;
        this.labels = labels;
        this.objectPixels = objectPixels;
        this.backgroundPixels = backgroundPixels;
    }

    /**
     * @param distance  each pixel's distance to the background model
     * @param keep      the artist's keep region at this size (non-zero = object), or null
     * @param unlike    below this distance a pixel looks like background
     * @param sure      from this distance on it is surely not background
     */
    static CutoutTrimap build(float[] distance, byte[] keep, int width, int height, double unlike, double sure) {
        int n = width * height;
        byte[] backgroundLike = new byte[n];
        byte[] farFromBackground = new byte[n];
        int objectPixels = 0;
        for (int i = 0; i < n; i++) {
            boolean kept = keep != null && keep[i] != 0;
            if (distance[i] < unlike && !kept) {
                backgroundLike[i] = 1;
            } else {
                objectPixels++;
                if (distance[i] >= sure || kept) {
                    farFromBackground[i] = 1;
                }
            }
        }
        byte[] joinedToBorder = joinedToBorder(backgroundLike, width, height);
        byte[] sureBackground = eroded(joinedToBorder, width, height, MARGIN);
        byte[] sureObject = eroded(farFromBackground, width, height, 1);
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            boolean kept = keep != null && keep[i] != 0;
            int label;
            if (kept || sureObject[i] != 0) {
                label = Imgproc.GC_FGD;
            } else if (sureBackground[i] != 0) {
                label = Imgproc.GC_BGD;
            } else if (backgroundLike[i] != 0) {
                label = Imgproc.GC_PR_BGD;
            } else {
                label = Imgproc.GC_PR_FGD;
            }
            labels[i] = (byte) label;
        }
        return new CutoutTrimap(width, height, labels, objectPixels, n - objectPixels);
    }

    /** Whether pixel i starts as (probable or sure) object. */
    boolean object(int i) {
        return labels[i] == Imgproc.GC_FGD || labels[i] == Imgproc.GC_PR_FGD;
    }

    /** The parts of a 0/1 map that are connected to the picture's edge. */
    private static byte[] joinedToBorder(byte[] map, int width, int height) {
        Mat binary = mat(map, width, height);
        Mat components = new Mat();
        int count = Imgproc.connectedComponents(binary, components, 4, CvType.CV_32S);
        int[] label = new int[width * height];
        components.get(0, 0, label);
        binary.release();
        components.release();
        boolean[] touches = new boolean[count];
        for (int x = 0; x < width; x++) {
            touches[label[x]] = true;
            touches[label[(height - 1) * width + x]] = true;
        }
        for (int y = 0; y < height; y++) {
            touches[label[y * width]] = true;
            touches[label[y * width + width - 1]] = true;
        }
        byte[] out = new byte[map.length];
        for (int i = 0; i < map.length; i++) {
            out[i] = (byte) (map[i] != 0 && touches[label[i]] ? 1 : 0);
        }
        return out;
    }

    static byte[] eroded(byte[] map, int width, int height, int radius) {
        Mat binary = mat(map, width, height);
        Mat kernel = Imgproc.getStructuringElement(Imgproc.MORPH_ELLIPSE, new Size(2 * radius + 1, 2 * radius + 1));
        Mat out = new Mat();
        // Outside the picture counts as more of the same, so the border itself is not eaten away.
        Imgproc.erode(binary, out, kernel, new org.opencv.core.Point(-1, -1), 1, org.opencv.core.Core.BORDER_REPLICATE);
        byte[] result = OpenCvNatives.bytes(out);
        binary.release();
        kernel.release();
        out.release();
        return result;
    }

    static Mat mat(byte[] map, int width, int height) {
        OpenCvNatives.load();
        Mat mat = new Mat(height, width, CvType.CV_8UC1);
        mat.put(0, 0, map);
        return mat;
    }
}
