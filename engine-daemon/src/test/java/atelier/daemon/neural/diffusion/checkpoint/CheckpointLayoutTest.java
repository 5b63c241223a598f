package atelier.daemon.neural.diffusion.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.neural.diffusion.TinyCheckpoint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The written-out SD 1.5 layout matches what the real files hold, key for key where we know it by heart. */
class CheckpointLayoutTest {

    private static final Sd15Widths SD15 = Sd15Widths.SD15;

    private static void assertShape(Map<String, ExpectedShape> layout, String key, Long... shape) {
        ExpectedShape expected = layout.get(key);
        assertTrue(expected != null, key + " should be in the layout");
        assertEquals(List.of(shape), expected.shape(), key);
    }

    @Test
    void fullSizeSd15HasTheKeyCountsOfTheRealCheckpoint() {
        assertEquals(686, Sd15Layout.unet(SD15).size());
        assertEquals(248, Sd15Layout.vae(Sd15Layout.VAE, SD15.vaeChannels()).size());
        assertEquals(196, Sd15Layout.textEncoder(SD15).size());
        assertEquals(686 + 248 + 196, Sd15Layout.checkpoint(SD15).size());
    }

    @Test
    void fullSizeUnetKeysHaveTheRealShapes() {
        Map<String, ExpectedShape> unet = Sd15Layout.unet(SD15);
        String p = Sd15Layout.UNET;
        assertShape(unet, p + "time_embed.0.weight", 1280L, 320L);
        assertShape(unet, p + "input_blocks.0.0.weight", 320L, 4L, 3L, 3L);
        assertShape(unet, p + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", 320L, 768L);
        assertShape(unet, p + "input_blocks.1.1.transformer_blocks.0.ff.net.0.proj.weight", 2560L, 320L);
        assertShape(unet, p + "input_blocks.3.0.op.weight", 320L, 320L, 3L, 3L);
        assertShape(unet, p + "input_blocks.4.0.skip_connection.weight", 640L, 320L, 1L, 1L);
        assertShape(unet, p + "input_blocks.11.0.out_layers.3.weight", 1280L, 1280L, 3L, 3L);
        assertShape(unet, p + "middle_block.1.proj_in.weight", 1280L, 1280L, 1L, 1L);
        assertShape(unet, p + "output_blocks.0.0.skip_connection.weight", 1280L, 2560L, 1L, 1L);
        assertShape(unet, p + "output_blocks.2.1.conv.weight", 1280L, 1280L, 3L, 3L);
        assertShape(unet, p + "output_blocks.5.2.conv.weight", 1280L, 1280L, 3L, 3L);
        assertShape(unet, p + "output_blocks.6.0.skip_connection.weight", 640L, 1920L, 1L, 1L);
        assertShape(unet, p + "output_blocks.8.2.conv.weight", 640L, 640L, 3L, 3L);
        assertShape(unet, p + "output_blocks.9.0.skip_connection.weight", 320L, 960L, 1L, 1L);
        assertShape(unet, p + "output_blocks.11.1.proj_out.weight", 320L, 320L, 1L, 1L);
        assertShape(unet, p + "out.2.weight", 4L, 320L, 3L, 3L);
        assertTrue(!unet.containsKey(p + "input_blocks.10.1.norm.weight"), "the deepest level has no attention");
        assertTrue(!unet.containsKey(p + "output_blocks.11.2.conv.weight"), "the last level does not upsample");
    }

    @Test
    void fullSizeVaeAndTextEncoderKeysHaveTheRealShapes() {
        Map<String, ExpectedShape> all = Sd15Layout.checkpoint(SD15);
        String v = Sd15Layout.VAE;
        assertShape(all, v + "encoder.conv_in.weight", 128L, 3L, 3L, 3L);
        assertShape(all, v + "encoder.down.1.block.0.nin_shortcut.weight", 256L, 128L, 1L, 1L);
        assertShape(all, v + "encoder.conv_out.weight", 8L, 512L, 3L, 3L);
        assertShape(all, v + "decoder.conv_in.weight", 512L, 4L, 3L, 3L);
        assertShape(all, v + "decoder.up.1.block.0.nin_shortcut.weight", 256L, 512L, 1L, 1L);
        assertShape(all, v + "decoder.up.3.upsample.conv.weight", 512L, 512L, 3L, 3L);
        assertShape(all, v + "decoder.up.0.block.2.conv2.weight", 128L, 128L, 3L, 3L);
        assertShape(all, v + "decoder.conv_out.weight", 3L, 128L, 3L, 3L);
        assertShape(all, v + "quant_conv.weight", 8L, 8L, 1L, 1L);
        assertShape(all, v + "post_quant_conv.weight", 4L, 4L, 1L, 1L);
        String t = Sd15Layout.TEXT;
        assertShape(all, t + "embeddings.token_embedding.weight", 49408L, 768L);
        assertShape(all, t + "embeddings.position_embedding.weight", 77L, 768L);
        assertShape(all, t + "encoder.layers.11.mlp.fc1.weight", 3072L, 768L);
        assertShape(all, t + "final_layer_norm.bias", 768L);
    }

    @Test
    void controlNetCopiesTheUnetEncoderAndAddsHintAndZeroConvs() {
        Map<String, ExpectedShape> control = Sd15Layout.controlNet(SD15);
        String c = Sd15Layout.CONTROL;
        assertShape(control, c + "input_hint_block.0.weight", 16L, 3L, 3L, 3L);
        assertShape(control, c + "input_hint_block.14.weight", 320L, 256L, 3L, 3L);
        assertShape(control, c + "zero_convs.0.0.weight", 320L, 320L, 1L, 1L);
        assertShape(control, c + "zero_convs.11.0.weight", 1280L, 1280L, 1L, 1L);
        assertShape(control, c + "middle_block_out.0.weight", 1280L, 1280L, 1L, 1L);
        assertShape(control, c + "middle_block.2.out_layers.3.weight", 1280L, 1280L, 3L, 3L);
        assertTrue(control.keySet().stream().noneMatch(k -> k.contains("output_blocks")), "no decoder half");
    }

    @Test
    void widthsThatBreakTheArchitectureAreRefusedWithTheReason() {
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> new Sd15Widths(48, 4, 128, 768, 12, 49408, 77, 8, 12, 32));
        assertEquals("model channels 48 is not a positive multiple of 32: the UNet's group norms have 32 groups", odd.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SD15.withUnetInChannels(5));
    }

    @Test
    void theTinyLayoutHasExactlyTheKeysOfTheFullOne() {
        assertEquals(Sd15Layout.unet(SD15).keySet(), Sd15Layout.unet(TinyCheckpoint.TINY).keySet());
        assertEquals(Sd15Layout.vae("", 128).keySet(), Sd15Layout.vae("", 32).keySet());
        assertEquals(Sd15Layout.controlNet(SD15).keySet(), Sd15Layout.controlNet(TinyCheckpoint.TINY).keySet());
    }
}
