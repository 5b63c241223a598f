package atelier.daemon.ops;

import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.Operation;
import atelier.daemon.image.Margins;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;

/**
 * A request after decoding and the checks every operation shares: pictures decoded and
 * of matching sizes, numbers in range, defaults filled in. Operations check the rest.
 *
 * @param mask     the selection, or null when none was sent (remove-background: where the subject is)
 * @param hints    colour hints, or null
 * @param steps    null when the engine should choose
 * @param engine   "auto", "embedded" or an engine name
 * @param sampleFrom content-fill: where patches may come from, or null for anywhere outside the mask
 * @param alphaOnly  remove-background: return the alpha alone
 * @param flats      colorize: how to return the flats
 * @param gapClosing colorize: widest line gap to close, in pixels
 * @param aspectRatio outpaint: target width / height instead of {@code extend}, or null
 * @param diffusion  how model engines sample (defaults when the request says nothing)
 * @param keep       remove-background: what must stay whatever the engine finds, or null
 */
public record EditOrder(Operation operation, Raster image, Mask mask, Raster hints, String prompt,
                        String negativePrompt, long seed, double strength, Integer steps, int variants,
                        String engine, Margins extend, Mask sampleFrom, boolean alphaOnly, FlatsOutput flats,
                        int gapClosing, Double aspectRatio, DiffusionSettings diffusion, Mask keep) {

    /** An order with nothing marked to keep (every operation but remove-background ignores it). */
    public EditOrder(Operation operation, Raster image, Mask mask, Raster hints, String prompt, String negativePrompt,
                     long seed, double strength, Integer steps, int variants, String engine, Margins extend, Mask sampleFrom,
                     boolean alphaOnly, FlatsOutput flats, int gapClosing, Double aspectRatio, DiffusionSettings diffusion) {
        this(operation, image, mask, hints, prompt, negativePrompt, seed, strength, steps, variants, engine, extend, sampleFrom,
                alphaOnly, flats, gapClosing, aspectRatio, diffusion, null);
    }

    public static final String AUTO = "auto";
    public static final String EMBEDDED = "embedded";
}
