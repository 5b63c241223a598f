package atelier.daemon.neural.diffusion.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells from a safetensors header alone (key names and shapes, no weights) what a file is, and
 * whether it holds every key of that kind with the right shape, the way ComfyUI and
 * stable-diffusion.cpp detect rather than ask. The widths are read from a few telling tensors
 * (any widths: the layout's shapes do not depend on head or group counts),
 * the full expected layout is built from them (Sd15Layout) and compared key by key, so a tiny
 * test model passes by the same rules as SD 1.5 itself. Extra keys (EMA copies, the
 * scheduler's alphas_cumprod, position ids) are allowed; missing or misshapen ones are not.
 */
public final class CheckpointInspector {

    static final String UNET_FIRST_CONV = Sd15Layout.UNET + "input_blocks.0.0.weight";
    static final String TOKEN_EMBEDDING = Sd15Layout.TEXT + "embeddings.token_embedding.weight";
    static final String POSITION_EMBEDDING = Sd15Layout.TEXT + "embeddings.position_embedding.weight";
    static final String CONTROL_FIRST_CONV = "input_blocks.0.0.weight";
    static final String CONTROL_CONTEXT = "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight";
    /** A key only a ControlNet has, which tells an unprefixed one. */
    private static final String CONTROL_ZERO_CONV = "zero_convs.0.0.weight";
    private static final Pattern TEXT_LAYER = Pattern.compile(Pattern.quote(Sd15Layout.TEXT) + "encoder\\.layers\\.(\\d+)\\..*");

    private CheckpointInspector() {
    }

    /** A sentence about one key, thrown from deep in a check and turned into the identification's reason. */
    private static final class Mismatch extends Exception {
        Mismatch(String sentence) {
            super(sentence, null, false, false);
        }
    }

    /** Reads only the header of the file. */
    public static Identification identify(Path file) throws IOException {
        return identify(SafetensorsHeader.read(file));
    }

    public static Identification identify(SafetensorsHeader header) {
        if (LoraFile.hasLoraKeys(header)) {
            // Which layers it changes needs the model's widths: checked when a request uses it, errors named then.
            return check("a LoRA", () -> {
                String problem = LoraFile.problem(header);
                if (problem != null) {
                    throw new Mismatch(problem);
                }
                return null;
            }, CheckpointKind.LORA);
        }
        Optional<String> control = controlNetPrefix(header);
        if (control.isPresent()) {
            return check("an SD 1.5 ControlNet", () -> checkControlNet(header, control.get()), CheckpointKind.CONTROLNET);
        }
        if (anyKeyStartsWith(header, List.of("conditioner.embedders."))) {
            return Identification.unknown("an SDXL checkpoint; Atelier runs SD 1.5 models");
        }
        if (anyKeyStartsWith(header, List.of("cond_stage_model.model."))) {
            return Identification.unknown("an SD 2.x checkpoint (OpenCLIP text encoder); Atelier runs SD 1.5 models");
        }
        if (header.has(UNET_FIRST_CONV)) {
            TensorInfo first = header.tensor(UNET_FIRST_CONV).orElseThrow();
            boolean inpainting = first.rank() == 4 && first.dim(1) == 9;
            return check(inpainting ? "an SD 1.5 inpainting checkpoint" : "an SD 1.5 checkpoint", () -> sd15Widths(header),
                    inpainting ? CheckpointKind.SD15_INPAINTING : CheckpointKind.SD15);
        }
        if (header.has("encoder.conv_in.weight") && header.has("decoder.conv_in.weight")) {
            return check("a VAE", () -> checkVae(header, ""), CheckpointKind.VAE);
        }
        if (header.size() > 0 && header.tensors().stream().allMatch(t -> t.name().startsWith(Sd15Layout.VAE))) {
            return check("a VAE", () -> checkVae(header, Sd15Layout.VAE), CheckpointKind.VAE);
        }
        String example = header.tensors().stream().findFirst().map(t -> ", e.g. " + t.name()).orElse("");
        return Identification.unknown("none of the keys of an SD 1.5 checkpoint, VAE, ControlNet or LoRA (" + header.size()
                + " tensors" + example + ")");
    }

    /**
     * The widths of an SD 1.5 (or inpainting) checkpoint, with SD 1.5's head and group counts,
     * after checking every key against them; a CheckpointMismatchException with the first
     * wrong key otherwise.
     */
    public static Sd15Widths requireSd15(SafetensorsHeader header) throws CheckpointMismatchException {
        return requireSd15(header, Sd15Widths.SD15);
    }

    /** As above with the head and group counts of the given architecture (a tiny test model's). */
    public static Sd15Widths requireSd15(SafetensorsHeader header, Sd15Widths architecture) throws CheckpointMismatchException {
        try {
            Sd15Widths shapes = sd15Widths(header);
            return widths(() -> shapes.withArchitectureOf(architecture));
        } catch (Mismatch e) {
            throw new CheckpointMismatchException(header.file(), e.getMessage());
        }
    }

    private interface Check {
        Object run() throws Mismatch;
    }

    private static Identification check(String looksLike, Check check, CheckpointKind kind) {
        try {
            check.run();
            return Identification.of(kind);
        } catch (Mismatch e) {
            return Identification.unknown("looks like " + looksLike + ", but " + e.getMessage());
        }
    }

    // ---- SD 1.5 ----

    private static Sd15Widths sd15Widths(SafetensorsHeader header) throws Mismatch {
        TensorInfo first = require(header, UNET_FIRST_CONV);
        if (first.rank() != 4 || (first.dim(1) != 4 && first.dim(1) != 9) || first.dim(2) != 3 || first.dim(3) != 3) {
            throw new Mismatch(UNET_FIRST_CONV + " has shape " + first.shapeList() + ", expected [C, 4 or 9, 3, 3]");
        }
        TensorInfo vaeIn = rank(require(header, Sd15Layout.VAE + "encoder.conv_in.weight"), 4, "[C, 3, 3, 3]");
        TensorInfo tokens = rank(require(header, TOKEN_EMBEDDING), 2, "[vocabulary, width]");
        TensorInfo positions = rank(require(header, POSITION_EMBEDDING), 2, "[positions, width]");
        int layers = textLayers(header);
        Sd15Widths widths = widths(() -> Sd15Widths.shapesOnly(narrow(first.dim(0)), narrow(first.dim(1)), narrow(vaeIn.dim(0)),
                narrow(tokens.dim(1)), layers, narrow(tokens.dim(0)), narrow(positions.dim(0))));
        compare(header, Sd15Layout.checkpoint(widths));
        return widths;
    }

    /** One more than the highest layer number among the text encoder's keys (a gap shows up as missing keys). */
    private static int textLayers(SafetensorsHeader header) throws Mismatch {
        int layers = 0;
        for (TensorInfo tensor : header.tensors()) {
            Matcher m = TEXT_LAYER.matcher(tensor.name());
            if (m.matches()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (layers == 0) {
            throw new Mismatch(Sd15Layout.TEXT + "encoder.layers.0.self_attn.k_proj.weight is missing");
        }
        return layers;
    }

    // ---- VAE ----

    private static Object checkVae(SafetensorsHeader header, String prefix) throws Mismatch {
        TensorInfo in = rank(require(header, prefix + "encoder.conv_in.weight"), 4, "[C, 3, 3, 3]");
        int channels = narrow(in.dim(0));
        compare(header, Sd15Layout.vae(prefix, channels));
        return channels;
    }

    // ---- ControlNet ----

    /**
     * The prefix of a ControlNet's keys: {@value Sd15Layout#CONTROL} in lllyasviel's files and
     * their fp16 repacks, "" in some extracted ones (as ComfyUI accepts); empty when the file
     * is no ControlNet.
     */
    public static Optional<String> controlNetPrefix(SafetensorsHeader header) {
        if (anyKeyStartsWith(header, List.of(Sd15Layout.CONTROL))) {
            return Optional.of(Sd15Layout.CONTROL);
        }
        return header.has(CONTROL_ZERO_CONV) ? Optional.of("") : Optional.empty();
    }

    private static Object checkControlNet(SafetensorsHeader header, String prefix) throws Mismatch {
        TensorInfo first = require(header, prefix + CONTROL_FIRST_CONV);
        if (first.rank() != 4 || first.dim(1) != Sd15Widths.LATENT_CHANNELS) {
            throw new Mismatch(prefix + CONTROL_FIRST_CONV + " has shape " + first.shapeList() + ", expected [C, 4, 3, 3]");
        }
        TensorInfo context = rank(require(header, prefix + CONTROL_CONTEXT), 2, "[C, context width]");
        Sd15Widths sd15 = Sd15Widths.SD15;
        Sd15Widths widths = widths(() -> Sd15Widths.shapesOnly(narrow(first.dim(0)), Sd15Widths.LATENT_CHANNELS,
                sd15.vaeChannels(), narrow(context.dim(1)), sd15.textLayers(), sd15.textVocab(), sd15.textPositions()));
        compare(header, Sd15Layout.controlNet(prefix, widths));
        return widths;
    }

    // ---- shared ----

    /** Every expected key present, float, and of its shape; the first failure in layout order, with a count of the rest. */
    private static void compare(SafetensorsHeader header, Map<String, ExpectedShape> layout) throws Mismatch {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, ExpectedShape> expected : layout.entrySet()) {
            TensorInfo tensor = header.tensor(expected.getKey()).orElse(null);
            if (tensor == null) {
                problems.add(expected.getKey() + " is missing");
            } else if (!expected.getValue().matches(tensor.shapeList())) {
                problems.add(tensor.name() + " has shape " + tensor.shapeList() + ", expected " + expected.getValue());
            } else if (!tensor.dtype().convertsToFloat()) {
                problems.add(tensor.name() + " is " + tensor.dtype() + ", expected F32, F16 or BF16");
            }
        }
        if (!problems.isEmpty()) {
            throw new Mismatch(problems.get(0) + (problems.size() == 1 ? ""
                    : " (and " + (problems.size() - 1) + " more key" + (problems.size() == 2 ? "" : "s") + " wrong)"));
        }
    }

    private interface WidthsMaker {
        Sd15Widths make();
    }

    /** Widths that break the architecture's own rules (heads and groups dividing widths) become a sentence. */
    private static Sd15Widths widths(WidthsMaker maker) throws Mismatch {
        try {
            return maker.make();
        } catch (IllegalArgumentException e) {
            throw new Mismatch(e.getMessage());
        }
    }

    private static TensorInfo require(SafetensorsHeader header, String key) throws Mismatch {
        return header.tensor(key).orElseThrow(() -> new Mismatch(key + " is missing"));
    }

    private static TensorInfo rank(TensorInfo tensor, int rank, String expected) throws Mismatch {
        if (tensor.rank() != rank) {
            throw new Mismatch(tensor.name() + " has shape " + tensor.shapeList() + ", expected " + expected);
        }
        return tensor;
    }

    private static int narrow(long dimension) {
        return (int) Math.min(dimension, Integer.MAX_VALUE);
    }

    private static boolean anyKeyStartsWith(SafetensorsHeader header, List<String> prefixes) {
        return header.tensors().stream().anyMatch(t -> prefixes.stream().anyMatch(t.name()::startsWith));
    }
}
