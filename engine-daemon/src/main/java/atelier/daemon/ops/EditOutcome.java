package atelier.daemon.ops;

import atelier.daemon.image.Extent;
import java.util.List;
import java.util.Map;

/**
 * What an operation made.
 *
 * @param canvas   the result canvas (the image's, or grown by outpaint)
 * @param originX  where the original image's left edge sits on that canvas
 * @param originY  where its top edge sits
 * @param details  what reproduces the result: engine settings, model, ...
 */
public record EditOutcome(List<ResultLayer> layers, Extent canvas, int originX, int originY,
                          String engine, Map<String, String> details) {
}
