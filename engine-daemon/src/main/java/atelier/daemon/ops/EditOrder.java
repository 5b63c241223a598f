package atelier.daemon.ops;

import atelier.bridge.thrift.Operation;
import atelier.daemon.image.Margins;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;

/**
 * A request after decoding and the checks every operation shares: pictures decoded and
 * of matching sizes, numbers in range, defaults filled in. Operations check the rest.
 *
 * @param mask     the selection, or null when none was sent
 * @param hints    colour hints, or null
 * @param steps    null when the engine should choose
 * @param engine   "auto", "embedded" or an engine name
 */
public record EditOrder(Operation operation, Raster image, Mask mask, Raster hints, String prompt,
                        String negativePrompt, long seed, double strength, Integer steps, int variants,
                        String engine, Margins extend) {

    public static final String AUTO = "auto";
    public static final String EMBEDDED = "embedded";
}
