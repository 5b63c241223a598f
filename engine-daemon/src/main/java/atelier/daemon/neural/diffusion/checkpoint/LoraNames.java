package atelier.daemon.neural.diffusion.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The names LoRA-family files give SD 1.5's layers, to the single-file (CompVis) keys the
 * networks use. Trainers name a layer in one of two trees, each spelt several ways:
 * <ul>
 * <li>CompVis's own ({@code input_blocks.1.0.in_layers.2}): kohya's {@code lora_unet_input_blocks_1_0_in_layers_2},
 *     ComfyUI's {@code diffusion_model.input_blocks.1.0.in_layers.2};</li>
 * <li>diffusers' ({@code down_blocks.0.resnets.0.conv1}): kohya's {@code lora_unet_down_blocks_0_resnets_0_conv1},
 *     LyCORIS' {@code lycoris_down_blocks_0_...}, PEFT's {@code unet.down_blocks.0.resnets.0.conv1} or the bare name,
 *     with attention projections also as {@code attn1.processor.to_q}.</li>
 * </ul>
 * The text encoder's layers are Hugging Face's names: {@code lora_te_text_model_encoder_layers_0_mlp_fc1},
 * {@code lora_te1_...}, {@code text_encoder.text_model.encoder.layers.0.mlp.fc1}. Every weight a LoRA can change
 * (linear layers and convolutions) is in the table, made from the layout rather than listed.
 */
public final class LoraNames {

    /** One table a model shape, made once: every LoRA a request applies looks its modules up in it. */
    private static final Map<Sd15Widths, LoraNames> BY_WIDTHS = new java.util.concurrent.ConcurrentHashMap<>();

    private final Map<String, String> layers = new LinkedHashMap<>();

    /** The names of every linear and convolution weight of an SD 1.5 model of these widths. */
    public static LoraNames of(Sd15Widths widths) {
        return BY_WIDTHS.computeIfAbsent(widths, LoraNames::build);
    }

    private static LoraNames build(Sd15Widths widths) {
        LoraNames names = new LoraNames();
        Sd15Layout.unet(widths).forEach((key, shape) -> {
            if (key.endsWith(".weight") && shape.shape().size() >= 2) {
                names.addUnet(key.substring(Sd15Layout.UNET.length(), key.length() - ".weight".length()));
            }
        });
        Sd15Layout.textEncoder(widths).forEach((key, shape) -> {
            if (key.endsWith(".weight") && shape.shape().size() == 2 && key.contains(".encoder.layers.")) {
                names.addText(key.substring(Sd15Layout.TEXT.length(), key.length() - ".weight".length()));
            }
        });
        return names;
    }

    private LoraNames() {
    }

    /** The CompVis key (without ".weight") of the layer a module name changes; empty when no layer has that name. */
    public Optional<String> layer(String module) {
        return Optional.ofNullable(layers.get(module));
    }

    /** Every name and the layer it changes, for tests and diagnostics. */
    public Map<String, String> all() {
        return Map.copyOf(layers);
    }

    private void addUnet(String compVis) {
        String key = Sd15Layout.UNET + compVis;
        put("lora_unet_" + underscored(compVis), key);
        put("diffusion_model." + compVis, key);
        String diffusers = diffusersName(compVis);
        if (diffusers == null) {
            return;
        }
        for (String spelling : attentionSpellings(diffusers)) {
            put("lora_unet_" + underscored(spelling), key);
            put("lycoris_" + underscored(spelling), key);
            put("unet." + spelling, key);
            put(spelling, key);
        }
    }

    private void addText(String hf) {
        String key = Sd15Layout.TEXT + hf;
        String name = "text_model." + hf;
        put("lora_te_" + underscored(name), key);
        put("lora_te1_" + underscored(name), key);
        put("text_encoder." + name, key);
        put("text_encoders.clip_l.transformer." + name, key);
    }

    private void put(String name, String key) {
        String before = layers.putIfAbsent(name, key);
        if (before != null && !before.equals(key)) {
            throw new IllegalStateException("'" + name + "' names both " + before + " and " + key);
        }
    }

    private static String underscored(String dotted) {
        return dotted.replace('.', '_');
    }

    /** Old diffusers attention processors spell to_q as processor.to_q and to_out.0 as processor.to_out. */
    private static String[] attentionSpellings(String diffusers) {
        String processor = diffusers.replaceFirst("\\.(attn[12])\\.to_(q|k|v)$", ".$1.processor.to_$2")
                .replaceFirst("\\.(attn[12])\\.to_out\\.0$", ".$1.processor.to_out");
        return processor.equals(diffusers) ? new String[] {diffusers} : new String[] {diffusers, processor};
    }

    private static final Map<String, String> RESNET = Map.of("in_layers.0", "norm1", "in_layers.2", "conv1",
            "emb_layers.1", "time_emb_proj", "out_layers.0", "norm2", "out_layers.3", "conv2", "skip_connection", "conv_shortcut");

    /**
     * The diffusers name of a CompVis UNet layer. diffusers numbers resnets and attentions within
     * each level, CompVis numbers blocks across levels: input block 3b + r + 1 is down block b's
     * r-th resnet (and attention), input block 3b + 3 its downsampler; output block 3b + r is up
     * block b's r-th, and the last of each level but the last holds the upsampler.
     */
    static String diffusersName(String compVis) {
        String[] p = compVis.split("\\.", 3);
        switch (p[0]) {
            case "time_embed":
                return p[1].equals("0") ? "time_embedding.linear_1" : "time_embedding.linear_2";
            case "out":
                return p[1].equals("0") ? "conv_norm_out" : "conv_out";
            case "input_blocks": {
                int n = Integer.parseInt(p[1]);
                if (n == 0) {
                    return "conv_in";
                }
                String rest = p[2].substring(p[2].indexOf('.') + 1);
                int part = Integer.parseInt(p[2].substring(0, p[2].indexOf('.')));
                int level = (n - 1) / 3;
                int index = (n - 1) % 3;
                if (index == 2) {
                    return "down_blocks." + level + ".downsamplers.0.conv";
                }
                return part == 0 ? resnet("down_blocks." + level + ".resnets." + index, rest)
                        : "down_blocks." + level + ".attentions." + index + "." + rest;
            }
            case "middle_block": {
                int part = Integer.parseInt(p[1]);
                return part == 1 ? "mid_block.attentions.0." + p[2] : resnet("mid_block.resnets." + part / 2, p[2]);
            }
            case "output_blocks": {
                int n = Integer.parseInt(p[1]);
                int part = Integer.parseInt(p[2].substring(0, p[2].indexOf('.')));
                String rest = p[2].substring(p[2].indexOf('.') + 1);
                int level = n / 3;
                int index = n % 3;
                if (part == 0) {
                    return resnet("up_blocks." + level + ".resnets." + index, rest);
                }
                if (rest.equals("conv")) {
                    return "up_blocks." + level + ".upsamplers.0.conv";
                }
                return "up_blocks." + level + ".attentions." + index + "." + rest;
            }
            default:
                return null;
        }
    }

    private static String resnet(String block, String rest) {
        String name = RESNET.get(rest);
        return name == null ? null : block + "." + name;
    }
}
