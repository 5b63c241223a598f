package atelier.daemon.server;

import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.Extension;
import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.LoraChoice;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Picture;
import atelier.bridge.thrift.PixelFormat;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Margins;
import atelier.daemon.image.Mask;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import atelier.daemon.ops.DiffusionSettings;
import atelier.daemon.ops.EditOrder;
import atelier.daemon.ops.PromptLoras;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns a request off the wire into an {@link EditOrder}, checking everything all
 * operations share. Each refusal names the field as a path ("mask.width") and says why.
 */
final class RequestDecoding {

    private static final SecureRandom SEEDS = new SecureRandom();

    private final Limits limits;
    private final List<String> schedulers;

    RequestDecoding(Limits limits, List<String> schedulers) {
        this.limits = limits;
        this.schedulers = schedulers;
    }

    EditOrder decode(EditRequest request) throws InvalidRequest {
        if (request == null) {
            throw new InvalidRequest("request", "missing");
        }
        refuseUnknownEnumValues(request);
        Operation operation = request.getOperation();
        if (operation == null) {
            throw new InvalidRequest("operation", "missing or unknown; one of " + Arrays.toString(Operation.values()));
        }
        if (request.getImage() == null) {
            throw new InvalidRequest("image", "missing: send the layer's pixels");
        }
        Raster image = rgba("image", request.getImage());
        Mask mask = request.isSetMask() ? mask("mask", request.getMask(), image.extent()) : null;
        Raster hints = null;
        if (request.isSetHints()) {
            hints = rgba("hints", request.getHints());
            requireSameSize("hints", hints.extent(), image.extent());
        }
        // <lora:name:weight> in a prompt is a LoRA the request asks for; the text goes on without it.
        PromptLoras.Split promptParts = PromptLoras.split(text("prompt", request.getPrompt()));
        PromptLoras.Split negativeParts = PromptLoras.split(text("negativePrompt", request.getNegativePrompt()));
        String prompt = promptParts.prompt();
        String negative = negativeParts.prompt();
        List<DiffusionSettings.Lora> promptLoras = new ArrayList<>(promptParts.loras());
        promptLoras.addAll(negativeParts.loras());
        double strength = request.isSetStrength() ? request.getStrength() : 1.0;
        if (!(strength >= 0 && strength <= 1)) {
            throw new InvalidRequest("strength", "must be between 0.0 and 1.0, got " + strength);
        }
        Integer steps = request.isSetSteps() ? request.getSteps() : null;
        if (steps != null && (steps < 1 || steps > limits.maxSteps())) {
            throw new InvalidRequest("steps", "must be between 1 and " + limits.maxSteps() + ", got " + steps);
        }
        int variants = request.isSetVariants() ? request.getVariants() : 1;
        if (variants < 1 || variants > limits.maxVariants()) {
            throw new InvalidRequest("variants", "must be between 1 and " + limits.maxVariants() + ", got " + variants);
        }
        String engine = request.isSetEngine() ? request.getEngine().trim() : EditOrder.AUTO;
        if (engine.isEmpty() || engine.length() > 200) {
            throw new InvalidRequest("engine", "must be 'auto', 'embedded' or an engine name from capabilities()");
        }
        if (request.isSetResultFormat() && request.getResultFormat() != PixelFormat.RGBA8
                && request.getResultFormat() != PixelFormat.PNG) {
            throw new InvalidRequest("resultFormat", "must be RGBA8 or PNG");
        }
        long seed = request.isSetSeed() ? request.getSeed() : SEEDS.nextInt(Integer.MAX_VALUE);
        Mask sampleFrom = request.isSetSampleFrom() ? mask("sampleFrom", request.getSampleFrom(), image.extent()) : null;
        Mask keep = request.isSetKeep() ? mask("keep", request.getKeep(), image.extent()) : null;
        int gapClosing = request.isSetGapClosing() ? request.getGapClosing() : 4;
        if (gapClosing < 0 || gapClosing > 32) {
            throw new InvalidRequest("gapClosing", "must be between 0 and 32 pixels, got " + gapClosing);
        }
        Double aspectRatio = request.isSetAspectRatio() ? request.getAspectRatio() : null;
        if (aspectRatio != null && !(aspectRatio >= 0.1 && aspectRatio <= 10)) {
            throw new InvalidRequest("aspectRatio", "must be between 0.1 and 10 (width / height), got " + aspectRatio);
        }
        if (aspectRatio != null && request.isSetExtend()) {
            throw new InvalidRequest("aspectRatio", "give extend or aspectRatio, not both");
        }
        FlatsOutput flats = request.isSetFlats() ? request.getFlats() : FlatsOutput.UNDERLAY;
        if (flats == null) {
            throw new InvalidRequest("flats", "unknown; one of " + Arrays.toString(FlatsOutput.values()));
        }
        return new EditOrder(operation, image, mask, hints, prompt, negative, seed, strength, steps, variants, engine,
                margins(request, image.extent()), sampleFrom, request.isAlphaOnly(), flats, gapClosing, aspectRatio,
                diffusion(request, promptLoras), keep);
    }

    /** Most LoRAs one request may stack. */
    static final int MAX_LORAS = 8;

    /** Pictures larger than this are decoded on the worker (a 4-megapixel PNG takes about a second to decode). */
    static final long DECODE_ON_WORKER_PIXELS = 4L * 1024 * 1024;

    /**
     * What the request's pictures will take decoded, read from their headers alone (a PNG's
     * IHDR, a raw picture's size and byte count), with every size checked against the limits
     * and against the image: the cheap part of {@link #decode}, for the queue's budget.
     */
    long decodedBytes(EditRequest request) throws InvalidRequest {
        if (request == null || request.getImage() == null) {
            return 0; // decode() names what is missing
        }
        Extent image = extentOf("image", request.getImage(), 4);
        long bytes = image.pixels() * 4;
        if (request.isSetMask()) {
            requireSameSize("mask", extentOf("mask", request.getMask(), maskBytesPerPixel(request.getMask())), image);
            bytes += image.pixels();
        }
        if (request.isSetHints()) {
            requireSameSize("hints", extentOf("hints", request.getHints(), 4), image);
            bytes += image.pixels() * 4;
        }
        if (request.isSetSampleFrom()) {
            requireSameSize("sampleFrom", extentOf("sampleFrom", request.getSampleFrom(),
                    maskBytesPerPixel(request.getSampleFrom())), image);
            bytes += image.pixels();
        }
        if (request.isSetKeep()) {
            requireSameSize("keep", extentOf("keep", request.getKeep(), maskBytesPerPixel(request.getKeep())), image);
            bytes += image.pixels();
        }
        return bytes;
    }

    /** Whether the request's image is large enough to be decoded on the worker rather than while the client waits. */
    boolean decodesOnWorker(EditRequest request) throws InvalidRequest {
        return request.getImage() != null && extentOf("image", request.getImage(), 4).pixels() > DECODE_ON_WORKER_PIXELS;
    }

    /**
     * Every check of {@link #decode} that needs no pixels, for a request whose pictures are
     * decoded later: the parameters are decoded as they will be, on a copy whose pictures are
     * one pixel each (their real sizes were checked by {@link #decodedBytes}).
     */
    void checkWithoutPixels(EditRequest request) throws InvalidRequest {
        EditRequest standIn = request.deepCopy();
        standIn.setImage(onePixel(request.getImage(), 4));
        if (request.isSetMask()) {
            standIn.setMask(onePixel(request.getMask(), 1));
        }
        if (request.isSetHints()) {
            standIn.setHints(onePixel(request.getHints(), 4));
        }
        if (request.isSetSampleFrom()) {
            standIn.setSampleFrom(onePixel(request.getSampleFrom(), 1));
        }
        decode(standIn);
    }

    /** An opaque, fully selected pixel: a stand-in no check here refuses for its content. */
    private static Picture onePixel(Picture like, int channels) {
        byte[] full = new byte[channels];
        java.util.Arrays.fill(full, (byte) 255);
        return new Picture(channels == 4 ? PixelFormat.RGBA8 : PixelFormat.GRAY8, 1, 1, java.nio.ByteBuffer.wrap(full));
    }

    private static int maskBytesPerPixel(Picture picture) {
        return picture.getFormat() == PixelFormat.RGBA8 ? 4 : 1;
    }

    /** A picture's size from its PNG header or its declared raw size, within the pixel limit. */
    private Extent extentOf(String field, Picture picture, int rawBytesPerPixel) throws InvalidRequest {
        PixelFormat format = requireFormat(field, picture);
        if (format != PixelFormat.PNG) {
            return rawExtent(field, picture, rawBytesPerPixel);
        }
        Extent extent = decodePng(field, picture, PngCodec::peekExtent);
        if (extent.pixels() > limits.maxPixels()) {
            throw new InvalidRequest(field + ".data", "this PNG announces " + extent + " = " + extent.pixels()
                    + " pixels, over the limit of " + limits.maxPixels());
        }
        return extent;
    }

    /**
     * An enum field sent with a number the contract does not define reads as unset; it is
     * refused here instead of silently taking the default. (Argument 2 of submit is the request.)
     */
    private static void refuseUnknownEnumValues(EditRequest request) throws InvalidRequest {
        Map<String, Integer> sent = CheckedBinaryProtocol.callIntegers();
        refuseUnknown(sent, request, EditRequest._Fields.RESULT_FORMAT, Arrays.toString(PixelFormat.values()));
        refuseUnknown(sent, request, EditRequest._Fields.FLATS, Arrays.toString(FlatsOutput.values()));
        refuseUnknown(sent, request, EditRequest._Fields.OPERATION, Arrays.toString(Operation.values()));
    }

    private static void refuseUnknown(Map<String, Integer> sent, EditRequest request, EditRequest._Fields field, String known)
            throws InvalidRequest {
        Integer value = sent.get("2." + field.getThriftFieldId());
        if (value != null && !request.isSet(field)) {
            throw new InvalidRequest(field.getFieldName(), "unknown value " + value + "; one of " + known);
        }
    }

    private DiffusionSettings diffusion(EditRequest request, List<DiffusionSettings.Lora> promptLoras) throws InvalidRequest {
        DiffusionSettings defaults = DiffusionSettings.DEFAULTS;
        String scheduler = request.isSetScheduler() ? request.getScheduler().trim() : defaults.scheduler();
        if (!schedulers.contains(scheduler)) {
            throw new InvalidRequest("scheduler", "unknown '" + abbreviated(scheduler) + "'; one of " + schedulers);
        }
        double guidance = request.isSetGuidance() ? request.getGuidance() : defaults.guidance();
        if (!(guidance >= 1 && guidance <= 30)) {
            throw new InvalidRequest("guidance", "must be between 1.0 and 30.0, got " + guidance);
        }
        List<DiffusionSettings.Lora> loras = new ArrayList<>();
        if (request.isSetLoras()) {
            if (request.getLoras().size() > MAX_LORAS) {
                throw new InvalidRequest("loras", "at most " + MAX_LORAS + " LoRAs at once, got " + request.getLoras().size());
            }
            for (LoraChoice choice : request.getLoras()) {
                if (choice == null || choice.getName() == null || choice.getName().isBlank() || choice.getName().length() > 200) {
                    throw new InvalidRequest("loras", "each LoRA needs the name capabilities() lists for it");
                }
                if (!(choice.getWeight() >= -2 && choice.getWeight() <= 2)) {
                    throw new InvalidRequest("loras", "weight of '" + choice.getName() + "' must be between -2.0 and 2.0, got "
                            + choice.getWeight());
                }
                loras.add(new DiffusionSettings.Lora(choice.getName(), choice.getWeight()));
            }
        }
        for (DiffusionSettings.Lora tag : promptLoras) {
            if (!(tag.weight() >= -2 && tag.weight() <= 2)) {
                throw new InvalidRequest("prompt", "<lora:" + tag.name() + "> weight must be between -2.0 and 2.0, got "
                        + tag.weight());
            }
            loras.add(tag);
        }
        if (loras.size() > MAX_LORAS) {
            throw new InvalidRequest("loras", "at most " + MAX_LORAS + " LoRAs at once (the prompt's <lora:...> tags count),"
                    + " got " + loras.size());
        }
        int clipSkip = request.isSetClipSkip() ? request.getClipSkip() : defaults.clipSkip();
        if (clipSkip < 1 || clipSkip > 2) {
            throw new InvalidRequest("clipSkip", "must be 1 (the last text-encoder layer) or 2 (the one before), got " + clipSkip);
        }
        int grow = request.isSetMaskGrow() ? request.getMaskGrow() : defaults.maskGrow();
        if (grow < 0 || grow > 128) {
            throw new InvalidRequest("maskGrow", "must be between 0 and 128 pixels, got " + grow);
        }
        int feather = request.isSetMaskFeather() ? request.getMaskFeather() : defaults.maskFeather();
        if (feather < 0 || feather > 128) {
            throw new InvalidRequest("maskFeather", "must be between 0 and 128 pixels, got " + feather);
        }
        String vae = request.isSetVae() ? request.getVae().trim() : null;
        if (vae != null && (vae.isEmpty() || vae.length() > 200)) {
            throw new InvalidRequest("vae", "must be the name of a VAE capabilities() lists, or left out for the checkpoint's own");
        }
        return new DiffusionSettings(scheduler, guidance, loras, grow, feather, clipSkip, vae);
    }

    private static String abbreviated(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }

    private Margins margins(EditRequest request, Extent image) throws InvalidRequest {
        if (!request.isSetExtend()) {
            return Margins.NONE;
        }
        Extension e = request.getExtend();
        int[] sides = {e.getLeft(), e.getRight(), e.getTop(), e.getBottom()};
        String[] names = {"left", "right", "top", "bottom"};
        for (int i = 0; i < sides.length; i++) {
            if (sides[i] < 0 || sides[i] > limits.maxExtension()) {
                throw new InvalidRequest("extend." + names[i], "must be between 0 and " + limits.maxExtension() + ", got " + sides[i]);
            }
        }
        Margins margins = new Margins(e.getLeft(), e.getRight(), e.getTop(), e.getBottom());
        long grown = image.grow(margins.left(), margins.right(), margins.top(), margins.bottom()).pixels();
        if (grown > limits.maxPixels()) {
            throw new InvalidRequest("extend", "the grown canvas would be " + grown + " pixels, over the limit of " + limits.maxPixels());
        }
        return margins;
    }

    private String text(String field, String value) throws InvalidRequest {
        // Characters as a person counts them: an emoji is one, not the two UTF-16 units Java stores.
        int characters = value == null ? 0 : value.codePointCount(0, value.length());
        if (characters > limits.maxPromptChars()) {
            throw new InvalidRequest(field, characters + " characters, over the limit of " + limits.maxPromptChars());
        }
        return value == null ? "" : value;
    }

    private Raster rgba(String field, Picture picture) throws InvalidRequest {
        PixelFormat format = requireFormat(field, picture);
        if (format == PixelFormat.PNG) {
            return decodePng(field, picture, png -> PngCodec.decodeRgba(png, limits.maxPixels()));
        }
        if (format != PixelFormat.RGBA8) {
            throw new InvalidRequest(field + ".format", format + " is for masks; send RGBA8 or PNG");
        }
        Extent extent = rawExtent(field, picture, 4);
        return Raster.wrap(extent, bytes(picture));
    }

    private Mask mask(String field, Picture picture, Extent image) throws InvalidRequest {
        PixelFormat format = requireFormat(field, picture);
        Mask mask;
        if (format == PixelFormat.PNG) {
            mask = decodePng(field, picture, png -> PngCodec.decodeMask(png, limits.maxPixels()));
        } else if (format == PixelFormat.GRAY8) {
            mask = Mask.wrap(rawExtent(field, picture, 1), bytes(picture));
        } else {
            // An RGBA mask is a selection carried in its alpha, as in an RGBA PNG.
            Raster raster = Raster.wrap(rawExtent(field, picture, 4), bytes(picture));
            byte[] alpha = new byte[Math.toIntExact(raster.extent().pixels())];
            for (int i = 0; i < alpha.length; i++) {
                alpha[i] = raster.rgba()[i * 4 + 3];
            }
            mask = Mask.wrap(raster.extent(), alpha);
        }
        requireSameSize(field, mask.extent(), image);
        return mask;
    }

    private static PixelFormat requireFormat(String field, Picture picture) throws InvalidRequest {
        if (picture.getFormat() == null) {
            throw new InvalidRequest(field + ".format", "missing or unknown; one of RGBA8, GRAY8, PNG");
        }
        if (picture.getData() == null) {
            throw new InvalidRequest(field + ".data", "missing");
        }
        return picture.getFormat();
    }

    /** Checks the declared size against the limit before looking at the bytes, then the byte count. */
    private Extent rawExtent(String field, Picture picture, int bytesPerPixel) throws InvalidRequest {
        int width = picture.getWidth();
        int height = picture.getHeight();
        if (width <= 0) {
            throw new InvalidRequest(field + ".width", "must be above 0, got " + width);
        }
        if (height <= 0) {
            throw new InvalidRequest(field + ".height", "must be above 0, got " + height);
        }
        Extent extent = new Extent(width, height);
        if (extent.pixels() > limits.maxPixels()) {
            throw new InvalidRequest(field, extent + " = " + extent.pixels() + " pixels, over the limit of " + limits.maxPixels());
        }
        long expected = extent.pixels() * bytesPerPixel;
        int actual = picture.getData().length;
        if (actual != expected) {
            throw new InvalidRequest(field + ".data", actual + " bytes, but " + extent + " " + picture.getFormat()
                    + " needs " + expected);
        }
        return extent;
    }

    private interface PngDecoder<T> {
        T decode(byte[] png) throws PngCodec.BadPng;
    }

    private static <T> T decodePng(String field, Picture picture, PngDecoder<T> decoder) throws InvalidRequest {
        try {
            return decoder.decode(bytes(picture));
        } catch (PngCodec.BadPng e) {
            throw new InvalidRequest(field + ".data", "this PNG " + e.getMessage());
        }
    }

    private static byte[] bytes(Picture picture) {
        return picture.getData();
    }

    private static void requireSameSize(String field, Extent actual, Extent image) throws InvalidRequest {
        if (!actual.equals(image)) {
            throw new InvalidRequest(field, "is " + actual + " but the image is " + image + ": they must match");
        }
    }
}
