package atelier.daemon.neural.diffusion.checkpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key and shape of an SD 1.5 single-file checkpoint, written out from the original
 * CompVis latent-diffusion code (v1-inference.yaml) as a function of the widths:
 * <ul>
 * <li>{@value #UNET}: ldm.modules.diffusionmodules.openaimodel.UNetModel, channel_mult
 * [1, 2, 4, 4], num_res_blocks 2, attention at downsampling 1, 2 and 4, one transformer
 * block with a 1x1 conv proj_in/proj_out, GEGLU feed-forward;</li>
 * <li>{@value #VAE}: AutoencoderKL (ldm.modules.diffusionmodules.model Encoder/Decoder),
 * ch_mult [1, 2, 4, 4], 2 res blocks a level (3 in the decoder), attention only in the middle,
 * z 4 (the encoder outputs mean and log-variance, 8 channels);</li>
 * <li>{@value #TEXT}: the Hugging Face CLIPTextModel of ViT-L/14.</li>
 * </ul>
 * Keys are in module order, so the first missing one reported is the first a reader would meet.
 * SD 1.5 at full size has 686 UNet, 248 VAE and 196 text-encoder keys (the optional
 * embeddings.position_ids makes 1131 in the usual files).
 */
public final class Sd15Layout {

    public static final String UNET = "model.diffusion_model.";
    public static final String VAE = "first_stage_model.";
    public static final String TEXT = "cond_stage_model.transformer.text_model.";
    public static final String CONTROL = "control_model.";

    /** Level widths of the UNet and the VAE, as multiples of their base width. */
    public static final int[] CHANNEL_MULT = {1, 2, 4, 4};
    /** The UNet levels with attention (downsampling 1, 2, 4; the deepest level, 8, has none). */
    public static final boolean[] UNET_ATTENTION = {true, true, true, false};
    public static final int RES_BLOCKS = 2;
    public static final int IMAGE_CHANNELS = 3;
    /** ControlNet's hint encoder: conv widths from the 3-channel hint down to the model width. */
    public static final int[] HINT_WIDTHS = {16, 16, 32, 32, 96, 96, 256};

    private final Map<String, ExpectedShape> keys = new LinkedHashMap<>();

    private Sd15Layout() {
    }

    /** The whole checkpoint: UNet, VAE and text encoder. */
    public static Map<String, ExpectedShape> checkpoint(Sd15Widths w) {
        Sd15Layout layout = new Sd15Layout();
        layout.unet(UNET, w);
        layout.autoencoder(VAE, w.vaeChannels());
        layout.textEncoder(TEXT, w);
        return layout.keys();
    }

    public static Map<String, ExpectedShape> unet(Sd15Widths w) {
        Sd15Layout layout = new Sd15Layout();
        layout.unet(UNET, w);
        return layout.keys();
    }

    /** A VAE under a prefix: "first_stage_model." inside a checkpoint, "" in a standalone VAE file. */
    public static Map<String, ExpectedShape> vae(String prefix, int vaeChannels) {
        Sd15Layout layout = new Sd15Layout();
        layout.autoencoder(prefix, vaeChannels);
        return layout.keys();
    }

    public static Map<String, ExpectedShape> textEncoder(Sd15Widths w) {
        Sd15Layout layout = new Sd15Layout();
        layout.textEncoder(TEXT, w);
        return layout.keys();
    }

    /**
     * An SD 1.5 ControlNet (lllyasviel's cldm.ControlNet): a copy of the UNet's encoder half with
     * a hint encoder in front and a zero-initialised 1x1 conv after each input block and the middle.
     */
    public static Map<String, ExpectedShape> controlNet(Sd15Widths w) {
        return controlNet(CONTROL, w);
    }

    /**
     * The same under another prefix: lllyasviel's files and their fp16 repacks put
     * {@value #CONTROL} in front of every key, some extracted ones nothing ("").
     */
    public static Map<String, ExpectedShape> controlNet(String prefix, Sd15Widths w) {
        Sd15Layout layout = new Sd15Layout();
        List<Integer> skips = layout.unetEncoder(prefix, w);
        for (int i = 0; i < HINT_WIDTHS.length; i++) {
            int in = i == 0 ? IMAGE_CHANNELS : HINT_WIDTHS[i - 1];
            layout.conv(prefix + "input_hint_block." + 2 * i, HINT_WIDTHS[i], in, 3);
        }
        layout.conv(prefix + "input_hint_block." + 2 * HINT_WIDTHS.length, w.modelChannels(),
                HINT_WIDTHS[HINT_WIDTHS.length - 1], 3);
        for (int i = 0; i < skips.size(); i++) {
            layout.conv(prefix + "zero_convs." + i + ".0", skips.get(i), skips.get(i), 1);
        }
        int deepest = w.modelChannels() * CHANNEL_MULT[CHANNEL_MULT.length - 1];
        layout.conv(prefix + "middle_block_out.0", deepest, deepest, 1);
        return layout.keys();
    }

    private Map<String, ExpectedShape> keys() {
        return Collections.unmodifiableMap(keys);
    }

    // ---- UNet ----

    private void unet(String p, Sd15Widths w) {
        List<Integer> skips = unetEncoder(p, w);
        int mc = w.modelChannels();
        int ch = mc * CHANNEL_MULT[CHANNEL_MULT.length - 1];
        int block = 0;
        for (int level = CHANNEL_MULT.length - 1; level >= 0; level--) {
            int out = mc * CHANNEL_MULT[level];
            for (int i = 0; i <= RES_BLOCKS; i++) {
                String b = p + "output_blocks." + block + ".";
                resBlock(b + "0.", ch + skips.remove(skips.size() - 1), out, w.timeEmbedding());
                ch = out;
                int index = 1;
                if (UNET_ATTENTION[level]) {
                    spatialTransformer(b + "1.", ch, w.textWidth());
                    index = 2;
                }
                if (level > 0 && i == RES_BLOCKS) {
                    conv(b + index + ".conv", ch, ch, 3);
                }
                block++;
            }
        }
        groupNorm(p + "out.0", mc);
        conv(p + "out.2", Sd15Widths.LATENT_CHANNELS, mc, 3);
    }

    /** time_embed, input_blocks and middle_block; returns each input block's output width, for the skips. */
    private List<Integer> unetEncoder(String p, Sd15Widths w) {
        int mc = w.modelChannels();
        linear(p + "time_embed.0", w.timeEmbedding(), mc);
        linear(p + "time_embed.2", w.timeEmbedding(), w.timeEmbedding());
        conv(p + "input_blocks.0.0", mc, w.unetInChannels(), 3);
        List<Integer> skips = new ArrayList<>(List.of(mc));
        int ch = mc;
        int block = 1;
        for (int level = 0; level < CHANNEL_MULT.length; level++) {
            int out = mc * CHANNEL_MULT[level];
            for (int i = 0; i < RES_BLOCKS; i++) {
                String b = p + "input_blocks." + block++ + ".";
                resBlock(b + "0.", ch, out, w.timeEmbedding());
                ch = out;
                if (UNET_ATTENTION[level]) {
                    spatialTransformer(b + "1.", ch, w.textWidth());
                }
                skips.add(ch);
            }
            if (level < CHANNEL_MULT.length - 1) {
                conv(p + "input_blocks." + block++ + ".0.op", ch, ch, 3); // stride-2 conv downsample
                skips.add(ch);
            }
        }
        resBlock(p + "middle_block.0.", ch, ch, w.timeEmbedding());
        spatialTransformer(p + "middle_block.1.", ch, w.textWidth());
        resBlock(p + "middle_block.2.", ch, ch, w.timeEmbedding());
        return skips;
    }

    /** openaimodel.ResBlock: norm, SiLU, conv; time embedding added; norm, SiLU, dropout, conv; 1x1 skip when widths differ. */
    private void resBlock(String p, int in, int out, int timeEmbedding) {
        groupNorm(p + "in_layers.0", in);
        conv(p + "in_layers.2", out, in, 3);
        linear(p + "emb_layers.1", out, timeEmbedding);
        groupNorm(p + "out_layers.0", out);
        conv(p + "out_layers.3", out, out, 3);
        if (in != out) {
            conv(p + "skip_connection", out, in, 1);
        }
    }

    /** attention.SpatialTransformer with one BasicTransformerBlock; inner width = channels. */
    private void spatialTransformer(String p, int ch, int context) {
        groupNorm(p + "norm", ch);
        conv(p + "proj_in", ch, ch, 1);
        String t = p + "transformer_blocks.0.";
        attention(t + "attn1.", ch, ch);
        linear(t + "ff.net.0.proj", 8 * ch, ch); // GEGLU: 4x inner width, doubled for the gate
        linear(t + "ff.net.2", ch, 4 * ch);
        attention(t + "attn2.", ch, context);
        layerNorm(t + "norm1", ch);
        layerNorm(t + "norm2", ch);
        layerNorm(t + "norm3", ch);
        conv(p + "proj_out", ch, ch, 1);
    }

    /** CrossAttention: bias-free q/k/v, biased output projection. */
    private void attention(String p, int ch, int context) {
        add(p + "to_q.weight", ch, ch);
        add(p + "to_k.weight", ch, context);
        add(p + "to_v.weight", ch, context);
        linear(p + "to_out.0", ch, ch);
    }

    // ---- VAE ----

    private void autoencoder(String p, int ch) {
        int z = Sd15Widths.LATENT_CHANNELS;
        String e = p + "encoder.";
        conv(e + "conv_in", ch, IMAGE_CHANNELS, 3);
        int in = ch;
        for (int level = 0; level < CHANNEL_MULT.length; level++) {
            int out = ch * CHANNEL_MULT[level];
            for (int i = 0; i < RES_BLOCKS; i++) {
                resnetBlock(e + "down." + level + ".block." + i + ".", in, out);
                in = out;
            }
            if (level < CHANNEL_MULT.length - 1) {
                conv(e + "down." + level + ".downsample.conv", in, in, 3);
            }
        }
        vaeMiddle(e + "mid.", in);
        groupNorm(e + "norm_out", in);
        conv(e + "conv_out", 2 * z, in, 3);

        String d = p + "decoder.";
        in = ch * CHANNEL_MULT[CHANNEL_MULT.length - 1];
        conv(d + "conv_in", in, z, 3);
        vaeMiddle(d + "mid.", in);
        // The decoder builds its levels deepest first but stores them by level index.
        for (int level = CHANNEL_MULT.length - 1; level >= 0; level--) {
            int out = ch * CHANNEL_MULT[level];
            for (int i = 0; i <= RES_BLOCKS; i++) {
                resnetBlock(d + "up." + level + ".block." + i + ".", in, out);
                in = out;
            }
            if (level > 0) {
                conv(d + "up." + level + ".upsample.conv", in, in, 3);
            }
        }
        groupNorm(d + "norm_out", in);
        conv(d + "conv_out", IMAGE_CHANNELS, in, 3);
        conv(p + "quant_conv", 2 * z, 2 * z, 1);
        conv(p + "post_quant_conv", z, z, 1);
    }

    private void vaeMiddle(String p, int ch) {
        resnetBlock(p + "block_1.", ch, ch);
        groupNorm(p + "attn_1.norm", ch);
        for (String projection : new String[] {"q", "k", "v", "proj_out"}) {
            keys.put(p + "attn_1." + projection + ".weight", ExpectedShape.pointwiseConvOrLinear(ch, ch));
            add(p + "attn_1." + projection + ".bias", ch);
        }
        resnetBlock(p + "block_2.", ch, ch);
    }

    /** model.ResnetBlock without time embedding (the VAE has none). */
    private void resnetBlock(String p, int in, int out) {
        groupNorm(p + "norm1", in);
        conv(p + "conv1", out, in, 3);
        groupNorm(p + "norm2", out);
        conv(p + "conv2", out, out, 3);
        if (in != out) {
            conv(p + "nin_shortcut", out, in, 1);
        }
    }

    // ---- CLIP text encoder ----

    private void textEncoder(String p, Sd15Widths w) {
        int width = w.textWidth();
        add(p + "embeddings.token_embedding.weight", w.textVocab(), width);
        add(p + "embeddings.position_embedding.weight", w.textPositions(), width);
        for (int layer = 0; layer < w.textLayers(); layer++) {
            String l = p + "encoder.layers." + layer + ".";
            for (String projection : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) {
                linear(l + "self_attn." + projection, width, width);
            }
            layerNorm(l + "layer_norm1", width);
            linear(l + "mlp.fc1", 4 * width, width);
            linear(l + "mlp.fc2", width, 4 * width);
            layerNorm(l + "layer_norm2", width);
        }
        layerNorm(p + "final_layer_norm", width);
    }

    // ---- building blocks ----

    private void conv(String p, int out, int in, int kernel) {
        add(p + ".weight", out, in, kernel, kernel);
        add(p + ".bias", out);
    }

    private void linear(String p, int out, int in) {
        add(p + ".weight", out, in);
        add(p + ".bias", out);
    }

    private void groupNorm(String p, int ch) {
        add(p + ".weight", ch);
        add(p + ".bias", ch);
    }

    private void layerNorm(String p, int ch) {
        groupNorm(p, ch);
    }

    private void add(String key, long... shape) {
        if (keys.put(key, ExpectedShape.of(shape)) != null) {
            throw new IllegalStateException("the layout names " + key + " twice");
        }
    }
}
