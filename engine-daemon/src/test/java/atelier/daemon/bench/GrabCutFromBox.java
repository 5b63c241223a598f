package atelier.daemon.bench;

import atelier.daemon.image.Bounds;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.Raster;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.imgproc.Imgproc;

/** The reference people reach for: OpenCV GrabCut, 5 iterations, started from a rectangle; hard alpha. */
final class GrabCutFromBox {

    private GrabCutFromBox() {
    }

    static Raster cut(Raster picture, Bounds box) {
        OpenCvNatives.load();
        Mat rgba = OpenCvNatives.toMat(picture);
        Mat rgb = new Mat();
        Imgproc.cvtColor(rgba, rgb, Imgproc.COLOR_RGBA2RGB);
        Mat mask = new Mat(picture.height(), picture.width(), CvType.CV_8UC1);
        Mat bgd = new Mat();
        Mat fgd = new Mat();
        Bounds inside = box.intersect(Bounds.of(picture.extent()));
        Imgproc.grabCut(rgb, mask, new Rect(inside.x(), inside.y(), inside.width(), inside.height()), bgd, fgd, 5,
                Imgproc.GC_INIT_WITH_RECT);
        byte[] labels = OpenCvNatives.bytes(mask);
        Raster out = picture.copy();
        for (int i = 0; i < labels.length; i++) {
            boolean object = labels[i] == Imgproc.GC_FGD || labels[i] == Imgproc.GC_PR_FGD;
            out.rgba()[i * 4 + 3] = (byte) (object ? 255 : 0);
        }
        for (Mat m : new Mat[] {rgba, rgb, mask, bgd, fgd}) {
            m.release();
        }
        return out;
    }
}
