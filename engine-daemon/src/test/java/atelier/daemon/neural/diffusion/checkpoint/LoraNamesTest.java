package atelier.daemon.neural.diffusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.neural.diffusion.ReferenceData;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The names LoRA files give SD 1.5's layers, against the key map ComfyUI builds for the same model. */
class LoraNamesTest {

    @Test
    void everyNameComfyUiAcceptsForALayerWeMapNamesTheSameWeight() throws Exception {
        JsonObject map = JsonParser.parseString(Files.readString(ReferenceData.file("lora/comfyui-key-map.json")))
                .getAsJsonObject().getAsJsonObject("key_map");
        LoraNames names = LoraNames.of(ReferenceData.widths());
        Map<String, String> ours = names.all();
        List<String> wrong = new ArrayList<>();
        int compared = 0;
        for (String name : map.keySet()) {
            String weight = map.get(name).getAsString();
            // ComfyUI's keys are the model's without its "model." / "cond_stage_model" wrapping.
            String key = weight.replaceFirst("^diffusion_model\\.", Sd15Layout.UNET)
                    .replaceFirst("^clip_l\\.transformer\\.text_model\\.", Sd15Layout.TEXT)
                    .replaceFirst("\\.weight$", "");
            if (!weight.endsWith(".weight") || !ours.containsValue(key)) {
                continue; // a bias, a norm, or a layer this model does not have (ComfyUI lists them all)
            }
            compared++;
            Optional<String> layer = names.layer(name);
            if (layer.isPresent() && !layer.get().equals(key)) {
                wrong.add(name + " -> " + layer.get() + ", ComfyUI: " + key);
            }
            if (layer.isEmpty() && !name.startsWith("lora_prior_unet_")) {
                wrong.add(name + " is not mapped (ComfyUI: " + key + ")");
            }
        }
        assertTrue(compared > 2000, compared + " names compared");
        assertEquals(List.of(), wrong);
    }

    @Test
    void theDiffusersTreeMapsOntoCompVisBlocks() {
        assertEquals("down_blocks.1.resnets.0.conv1", LoraNames.diffusersName("input_blocks.4.0.in_layers.2"));
        assertEquals("down_blocks.2.downsamplers.0.conv", LoraNames.diffusersName("input_blocks.9.0.op"));
        assertEquals("mid_block.resnets.1.time_emb_proj", LoraNames.diffusersName("middle_block.2.emb_layers.1"));
        assertEquals("up_blocks.0.upsamplers.0.conv", LoraNames.diffusersName("output_blocks.2.1.conv"));
        assertEquals("up_blocks.1.upsamplers.0.conv", LoraNames.diffusersName("output_blocks.5.2.conv"));
        assertEquals("up_blocks.3.attentions.2.proj_out", LoraNames.diffusersName("output_blocks.11.1.proj_out"));
        assertEquals("conv_in", LoraNames.diffusersName("input_blocks.0.0"));
    }
}
