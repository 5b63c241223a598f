package atelier.daemon.neural.diffusion.checkpoint;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * kohya's LoRA module names to SD 1.5 single-file (CompVis) keys. kohya names the diffusers
 * modules with dots turned into underscores; its standard LoRA targets every linear and 1x1
 * layer inside the UNet's transformers and the text encoder's attention and MLP, which is what
 * is mapped here. The diffusers blocks number attentions per level, CompVis numbers blocks
 * across levels: down_blocks_b_attentions_a is input_blocks.(3b + a + 1).1 and
 * up_blocks_b_attentions_a is output_blocks.(3b + a).1.
 */
public final class KohyaNames {

    private static final Pattern UNET = Pattern.compile(
            "lora_unet_(?:(down)_blocks_(\\d+)_attentions_(\\d+)|(mid)_block_attentions_0|(up)_blocks_(\\d+)_attentions_(\\d+))_(.+)");
    private static final Pattern TRANSFORMER = Pattern.compile(
            "(proj_in|proj_out|transformer_blocks_(\\d+)_(attn[12])_(to_q|to_k|to_v|to_out_0)|transformer_blocks_(\\d+)_ff_net_(0_proj|2))");
    private static final Pattern TEXT = Pattern.compile(
            "lora_te_text_model_encoder_layers_(\\d+)_(self_attn_(q_proj|k_proj|v_proj|out_proj)|mlp_(fc1|fc2))");

    private KohyaNames() {
    }

    /** The CompVis key of the layer (without ".weight") a kohya module changes; empty when it is not a mapped layer. */
    public static Optional<String> compVisLayer(String kohyaModule) {
        Matcher text = TEXT.matcher(kohyaModule);
        if (text.matches()) {
            String layer = Sd15Layout.TEXT + "encoder.layers." + text.group(1) + ".";
            return Optional.of(layer + (text.group(3) != null ? "self_attn." + text.group(3) : "mlp." + text.group(4)));
        }
        Matcher unet = UNET.matcher(kohyaModule);
        if (!unet.matches()) {
            return Optional.empty();
        }
        String block;
        if (unet.group(1) != null) {
            block = "input_blocks." + (3 * Integer.parseInt(unet.group(2)) + Integer.parseInt(unet.group(3)) + 1) + ".1.";
        } else if (unet.group(4) != null) {
            block = "middle_block.1.";
        } else {
            block = "output_blocks." + (3 * Integer.parseInt(unet.group(6)) + Integer.parseInt(unet.group(7))) + ".1.";
        }
        Matcher inner = TRANSFORMER.matcher(unet.group(8));
        if (!inner.matches()) {
            return Optional.empty();
        }
        String layer;
        if (inner.group(3) != null) {
            layer = "transformer_blocks." + inner.group(2) + "." + inner.group(3) + "." + inner.group(4).replace("to_out_0", "to_out.0");
        } else if (inner.group(6) != null) {
            layer = "transformer_blocks." + inner.group(5) + ".ff.net." + inner.group(6).replace("0_proj", "0.proj");
        } else {
            layer = inner.group(1);
        }
        return Optional.of(Sd15Layout.UNET + block + layer);
    }
}
