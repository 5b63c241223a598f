package atelier.daemon.neural.diffusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.neural.diffusion.TinyCheckpoint;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KohyaNamesTest {

    @TempDir
    Path dir;

    @Test
    void everyModuleOfAKohyaLoraLandsOnItsOwnLayerOfTheCheckpoint() throws Exception {
        Path file = TinyCheckpoint.lora(dir.resolve("style.safetensors"), 2, DType.F16, 1);
        Map<String, ExpectedShape> layout = Sd15Layout.checkpoint(TinyCheckpoint.TINY);
        Set<String> layers = new HashSet<>();
        int modules = 0;
        for (TensorInfo tensor : Safetensors.open(file).tensors()) {
            if (!tensor.name().endsWith(".lora_down.weight")) {
                continue;
            }
            modules++;
            String module = tensor.name().substring(0, tensor.name().length() - ".lora_down.weight".length());
            String layer = KohyaNames.compVisLayer(module).orElseThrow(() -> new AssertionError(module + " unmapped"));
            ExpectedShape target = layout.get(layer + ".weight");
            assertTrue(target != null, module + " -> " + layer + " is not a checkpoint layer");
            assertEquals(tensor.dim(1), (long) target.shape().get(1), module + " input width");
            assertTrue(layers.add(layer), layer + " changed twice");
        }
        assertEquals(modules, layers.size());
        assertTrue(modules > 100);
    }

    @Test
    void namesAreMappedAsDiffusersNumbersItsBlocks() {
        assertEquals(Optional.of("model.diffusion_model.input_blocks.5.1.transformer_blocks.0.attn2.to_out.0"),
                KohyaNames.compVisLayer("lora_unet_down_blocks_1_attentions_1_transformer_blocks_0_attn2_to_out_0"));
        assertEquals(Optional.of("model.diffusion_model.output_blocks.9.1.proj_in"),
                KohyaNames.compVisLayer("lora_unet_up_blocks_3_attentions_0_proj_in"));
        assertEquals(Optional.of("model.diffusion_model.middle_block.1.transformer_blocks.0.ff.net.0.proj"),
                KohyaNames.compVisLayer("lora_unet_mid_block_attentions_0_transformer_blocks_0_ff_net_0_proj"));
        assertEquals(Optional.of("cond_stage_model.transformer.text_model.encoder.layers.11.mlp.fc2"),
                KohyaNames.compVisLayer("lora_te_text_model_encoder_layers_11_mlp_fc2"));
        // LoCon's resnet convolutions are not standard LoRA layers: not mapped, so the file is refused.
        assertEquals(Optional.empty(), KohyaNames.compVisLayer("lora_unet_down_blocks_0_resnets_0_conv1"));
    }
}
