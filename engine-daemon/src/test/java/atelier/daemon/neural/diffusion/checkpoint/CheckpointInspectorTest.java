package atelier.daemon.neural.diffusion.checkpoint;

import static atelier.daemon.neural.diffusion.checkpoint.CheckpointHeaders.identify;
import static atelier.daemon.neural.diffusion.checkpoint.CheckpointHeaders.shapes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry's answer for each kind of file an artist may drop in, full size, from the header alone. */
class CheckpointInspectorTest {

    private static final Sd15Widths SD15 = Sd15Widths.SD15;
    private static final String FIRST_CONV = Sd15Layout.UNET + "input_blocks.0.0.weight";

    @Test
    void aFullSizeSd15CheckpointIsSd15() throws Exception {
        Map<String, List<Long>> file = shapes(Sd15Layout.checkpoint(SD15), s -> {
            s.put("cond_stage_model.transformer.text_model.embeddings.position_ids", List.of(1L, 77L));
            s.put("alphas_cumprod", List.of(1000L));
            s.put("model_ema.decay", List.of());
        });
        assertEquals(Identification.of(CheckpointKind.SD15), identify(file));
        assertEquals("sd15", identify(file).label());
    }

    @Test
    void nineInputChannelsMakeItTheInpaintingCheckpoint() throws Exception {
        Identification found = identify(shapes(Sd15Layout.checkpoint(SD15.withUnetInChannels(9))));
        assertEquals(CheckpointKind.SD15_INPAINTING, found.kind());
        assertEquals("sd15-inpainting", found.label());
    }

    @Test
    void aCheckpointMissingItsLastConvIsRefusedNamingTheKey() throws Exception {
        Identification found = identify(shapes(Sd15Layout.checkpoint(SD15), s -> {
            s.remove(Sd15Layout.UNET + "out.2.weight");
        }));
        assertEquals("unknown: looks like an SD 1.5 checkpoint, but model.diffusion_model.out.2.weight is missing", found.label());
    }

    @Test
    void fiveInputChannelsAreNeitherKind() throws Exception {
        Identification found = identify(shapes(Sd15Layout.checkpoint(SD15), s -> s.put(FIRST_CONV, List.of(320L, 5L, 3L, 3L))));
        assertEquals(CheckpointKind.UNKNOWN, found.kind());
        assertEquals("looks like an SD 1.5 checkpoint, but model.diffusion_model.input_blocks.0.0.weight has shape"
                + " [320, 5, 3, 3], expected [C, 4 or 9, 3, 3]", found.reason());
    }

    @Test
    void aMisshapenKeyIsNamedWithBothShapesAndTheOthersCounted() throws Exception {
        String toK = Sd15Layout.UNET + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight";
        Identification found = identify(shapes(Sd15Layout.checkpoint(SD15), s -> {
            s.put(toK, List.of(320L, 1024L));
            s.remove(Sd15Layout.TEXT + "final_layer_norm.bias");
        }));
        assertEquals("looks like an SD 1.5 checkpoint, but " + toK + " has shape [320, 1024], expected [320, 768]"
                + " (and 1 more key wrong)", found.reason());
    }

    @Test
    void sdxlAndSd2CheckpointsAreNamedForWhatTheyAre() throws Exception {
        Map<String, List<Long>> sdxl = new LinkedHashMap<>(Map.of(FIRST_CONV, List.of(320L, 4L, 3L, 3L),
                "conditioner.embedders.0.transformer.text_model.final_layer_norm.weight", List.of(768L)));
        assertEquals("unknown: an SDXL checkpoint; Atelier runs SD 1.5 models", identify(sdxl).label());
        Map<String, List<Long>> sd2 = new LinkedHashMap<>(Map.of(FIRST_CONV, List.of(320L, 4L, 3L, 3L),
                "cond_stage_model.model.ln_final.weight", List.of(1024L)));
        assertEquals(CheckpointKind.UNKNOWN, identify(sd2).kind());
        assertEquals("an SD 2.x checkpoint (OpenCLIP text encoder); Atelier runs SD 1.5 models", identify(sd2).reason());
    }

    @Test
    void aVaeAloneIsAVaeWithOrWithoutTheCheckpointPrefix() throws Exception {
        assertEquals(Identification.of(CheckpointKind.VAE), identify(shapes(Sd15Layout.vae("", 128))));
        assertEquals(Identification.of(CheckpointKind.VAE), identify(shapes(Sd15Layout.vae(Sd15Layout.VAE, 128))));
    }

    @Test
    void aVaeWithLinearAttentionWeightsIsStillAVae() throws Exception {
        Identification found = identify(shapes(Sd15Layout.vae("", 128), s -> {
            s.put("decoder.mid.attn_1.q.weight", List.of(512L, 512L));
            s.put("encoder.mid.attn_1.proj_out.weight", List.of(512L, 512L));
        }));
        assertEquals(CheckpointKind.VAE, found.kind(), found::reason);
    }

    @Test
    void aDiffusersVaeIsRefusedNamingTheFirstCompVisKeyItLacks() throws Exception {
        Map<String, List<Long>> diffusers = new LinkedHashMap<>();
        diffusers.put("encoder.conv_in.weight", List.of(128L, 3L, 3L, 3L));
        diffusers.put("decoder.conv_in.weight", List.of(512L, 4L, 3L, 3L));
        diffusers.put("encoder.down_blocks.0.resnets.0.norm1.weight", List.of(128L));
        assertEquals("looks like a VAE, but encoder.conv_in.bias is missing (and 245 more keys wrong)",
                identify(diffusers).reason());
    }

    @Test
    void anSd15ControlNetIsAControlNet() throws Exception {
        assertEquals(Identification.of(CheckpointKind.CONTROLNET), identify(shapes(Sd15Layout.controlNet(SD15))));
        Identification noHint = identify(shapes(Sd15Layout.controlNet(SD15),
                s -> s.keySet().removeIf(k -> k.startsWith("control_model.input_hint_block.4."))));
        assertEquals("looks like an SD 1.5 ControlNet, but control_model.input_hint_block.4.weight is missing"
                + " (and 1 more key wrong)", noHint.reason());
    }

    @Test
    void anSd15ControlNetWithoutTheControlModelPrefixIsAControlNetToo() throws Exception {
        assertEquals(Identification.of(CheckpointKind.CONTROLNET), identify(shapes(Sd15Layout.controlNet("", SD15))));
        Identification noZeroConv = identify(shapes(Sd15Layout.controlNet("", SD15), s -> s.remove("zero_convs.5.0.bias")));
        assertEquals("looks like an SD 1.5 ControlNet, but zero_convs.5.0.bias is missing", noZeroConv.reason());
    }

    @Test
    void aKohyaLoraIsALoraAndAHalfPairIsRefused() throws Exception {
        Map<String, List<Long>> lora = new LinkedHashMap<>();
        String module = "lora_unet_down_blocks_0_attentions_0_proj_in";
        lora.put(module + ".lora_down.weight", List.of(8L, 320L, 1L, 1L));
        lora.put(module + ".lora_up.weight", List.of(320L, 8L, 1L, 1L));
        lora.put(module + ".alpha", List.of());
        lora.put("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", List.of(8L, 768L));
        lora.put("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", List.of(768L, 8L));
        assertEquals(Identification.of(CheckpointKind.LORA), identify(lora));

        lora.put("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", List.of(768L, 4L));
        assertEquals("looks like a LoRA, but lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight has rank 4"
                + " but lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight has rank 8", identify(lora).reason());

        lora.remove("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight");
        assertEquals("unknown: looks like a LoRA, but lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight"
                + " is missing", identify(lora).label());

        // LoHa is read too, but only whole: w1_a without the other three factors is not a LoHa.
        Map<String, List<Long>> loha = Map.of("lora_unet_mid_block_attentions_0_proj_in.hada_w1_a", List.of(320L, 4L));
        assertEquals("looks like a LoRA, but lora_unet_mid_block_attentions_0_proj_in.hada_w1_b is missing (LoHa needs w1_a,"
                + " w1_b, w2_a and w2_b)", identify(loha).reason());
    }

    @Test
    void aFileOfSomethingElseIsUnknownSayingWhatItHas() throws Exception {
        Map<String, List<Long>> other = new LinkedHashMap<>();
        other.put("backbone.stem.weight", List.of(64L, 3L, 7L, 7L));
        other.put("head.fc.weight", List.of(1000L, 2048L));
        assertEquals("unknown: none of the keys of an SD 1.5 checkpoint, VAE, ControlNet or LoRA (2 tensors, e.g."
                + " backbone.stem.weight)", identify(other).label());
    }

    @Test
    void requiringSd15GivesItsWidthsOrASentenceNamingTheFile() throws Exception {
        assertEquals(SD15, CheckpointInspector.requireSd15(CheckpointHeaders.header("v1-5.safetensors",
                shapes(Sd15Layout.checkpoint(SD15)))));
        CheckpointMismatchException wrong = assertThrows(CheckpointMismatchException.class,
                () -> CheckpointInspector.requireSd15(CheckpointHeaders.header("vae.safetensors",
                        shapes(Sd15Layout.vae("", 128)))));
        assertEquals("vae.safetensors: " + FIRST_CONV + " is missing", wrong.getMessage());
    }
}
