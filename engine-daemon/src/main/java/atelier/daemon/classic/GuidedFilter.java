package atelier.daemon.classic;

import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * He, Sun and Tang's guided filter (2010) with a one-channel guide: smooths the input
 * while its edges follow the guide's. Built from box filters, as these OpenCV bindings
 * have no ximgproc.
 */
public final class GuidedFilter {

    private GuidedFilter() {
    }

    /**
     * @param guide   CV_32F, one channel
     * @param input   CV_32F, one channel, same size
     * @param radius  window half-size in pixels
     * @param epsilon how much guide variance counts as an edge (in the guide's units squared)
     * @return a new CV_32F Mat the caller releases
     */
    public static Mat apply(Mat guide, Mat input, int radius, double epsilon) {
        Size window = new Size(2 * radius + 1, 2 * radius + 1);
        Mat meanGuide = box(guide, window);
        Mat meanInput = box(input, window);
        Mat product = new Mat();
        Core.multiply(guide, input, product);
        Mat meanProduct = box(product, window);
        Mat square = new Mat();
        Core.multiply(guide, guide, square);
        Mat meanSquare = box(square, window);

        Mat covariance = new Mat();
        Core.multiply(meanGuide, meanInput, product);
        Core.subtract(meanProduct, product, covariance);
        Mat variance = new Mat();
        Core.multiply(meanGuide, meanGuide, square);
        Core.subtract(meanSquare, square, variance);
        Core.add(variance, new org.opencv.core.Scalar(epsilon), variance);

        Mat slope = new Mat();
        Core.divide(covariance, variance, slope);
        Mat offset = new Mat();
        Core.multiply(slope, meanGuide, product);
        Core.subtract(meanInput, product, offset);

        Mat meanSlope = box(slope, window);
        Mat meanOffset = box(offset, window);
        Mat output = new Mat();
        Core.multiply(meanSlope, guide, output);
        Core.add(output, meanOffset, output);

        for (Mat m : new Mat[] {meanGuide, meanInput, product, meanProduct, square, meanSquare, covariance, variance,
                slope, offset, meanSlope, meanOffset}) {
            m.release();
        }
        return output;
    }

    private static Mat box(Mat source, Size window) {
        Mat out = new Mat();
        Imgproc.boxFilter(source, out, -1, window);
        return out;
    }
}
