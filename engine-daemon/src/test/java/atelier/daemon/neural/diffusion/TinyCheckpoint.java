package atelier.daemon.neural.diffusion;

import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.ExpectedShape;
import atelier.daemon.neural.diffusion.checkpoint.SafetensorsWriter;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Tiny SD 1.5 family files for tests: every key and the structure of the real ones, widths
 * shrunk eight- to forty-fold (group norms of 4 groups instead of 32, 2 heads), random weights
 * from a seed: about 1.8 million values, 7 MB as F32, the token table of the real vocabulary
 * being most of it. Weights are scaled like an initialised network (1/sqrt(fan-in); norm
 * scales near 1) so the networks built on them later give finite numbers.
 */
public final class TinyCheckpoint {

    /**
     * UNet 8 wide, VAE 8 wide, a 2-layer 16-wide text encoder with the real vocabulary (so real
     * token ids fit) and 77 positions; 2 heads each and 4 groups a norm. Load with
     * CheckpointInspector.requireSd15(header, TINY), since no file tells heads and groups.
     */
    public static final Sd15Widths TINY = new Sd15Widths(8, 4, 8, 16, 2, 49408, 77, 2, 2, 4);

    private TinyCheckpoint() {
    }

    /** A whole tiny SD 1.5 checkpoint (text-to-image UNet) with the position ids real files carry. */
    public static Path sd15(Path file, DType dtype, long seed) throws IOException {
        return checkpoint(file, TINY, dtype, seed);
    }

    /** The inpainting variant: the same with a 9-channel first UNet conv. */
    public static Path sd15Inpainting(Path file, DType dtype, long seed) throws IOException {
        return checkpoint(file, TINY.withUnetInChannels(9), dtype, seed);
    }

    public static Path checkpoint(Path file, Sd15Widths widths, DType dtype, long seed) throws IOException {
        SafetensorsWriter writer = randomWeights(Sd15Layout.checkpoint(widths), dtype, seed);
        ByteBuffer ids = ByteBuffer.allocate(8 * widths.textPositions()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < widths.textPositions(); i++) {
            ids.putLong(i);
        }
        writer.addBytes(Sd15Layout.TEXT + "embeddings.position_ids", DType.I64, new long[] {1, widths.textPositions()}, ids.array());
        writer.write(file);
        return file;
    }

    /** A standalone tiny VAE, keys without the checkpoint's first_stage_model. prefix, as VAE files ship. */
    public static Path vae(Path file, DType dtype, long seed) throws IOException {
        randomWeights(Sd15Layout.vae("", TINY.vaeChannels()), dtype, seed).write(file);
        return file;
    }

    /** A tiny SD 1.5 ControlNet for the tiny UNet. */
    public static Path controlNet(Path file, DType dtype, long seed) throws IOException {
        randomWeights(Sd15Layout.controlNet(TINY), dtype, seed).write(file);
        return file;
    }

    /**
     * A kohya LoRA of the given rank for the tiny checkpoint's attention projections and text
     * encoder: kohya names the diffusers modules, flattened with underscores, so CompVis
     * input_blocks.N.1 is down_blocks_{(N-1)/3}_attentions_{(N-1)%3} and output_blocks.N.1 is
     * up_blocks_{N/3}_attentions_{N%3}. The shapes come from the tiny layout.
     */
    public static Path lora(Path file, int rank, DType dtype, long seed) throws IOException {
        Map<String, ExpectedShape> layout = Sd15Layout.checkpoint(TINY);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("ss_network_dim", String.valueOf(rank))
                .metadata("ss_network_alpha", String.valueOf(rank / 2f));
        SplittableRandom random = new SplittableRandom(seed);
        for (int n : new int[] {1, 2, 4, 5, 7, 8}) {
            attentionLora(writer, layout, "input_blocks." + n + ".1.", "down_blocks_" + (n - 1) / 3 + "_attentions_" + (n - 1) % 3,
                    rank, dtype, random);
        }
        attentionLora(writer, layout, "middle_block.1.", "mid_block_attentions_0", rank, dtype, random);
        for (int n = 3; n <= 11; n++) {
            attentionLora(writer, layout, "output_blocks." + n + ".1.", "up_blocks_" + n / 3 + "_attentions_" + n % 3, rank, dtype,
                    random);
        }
        for (int layer = 0; layer < TINY.textLayers(); layer++) {
            String compVis = Sd15Layout.TEXT + "encoder.layers." + layer + ".";
            String kohya = "lora_te_text_model_encoder_layers_" + layer + "_";
            for (String projection : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                loraPair(writer, kohya + "self_attn_" + projection, layout.get(compVis + "self_attn." + projection + ".weight"), rank,
                        dtype, random);
            }
            loraPair(writer, kohya + "mlp_fc1", layout.get(compVis + "mlp.fc1.weight"), rank, dtype, random);
            loraPair(writer, kohya + "mlp_fc2", layout.get(compVis + "mlp.fc2.weight"), rank, dtype, random);
        }
        writer.write(file);
        return file;
    }

    private static void attentionLora(SafetensorsWriter writer, Map<String, ExpectedShape> layout, String compVisBlock,
                                      String diffusersBlock, int rank, DType dtype, SplittableRandom random) {
        String block = Sd15Layout.UNET + compVisBlock + "transformer_blocks.0.";
        for (String attention : List.of("attn1", "attn2")) {
            for (String projection : List.of("to_q", "to_k", "to_v", "to_out.0")) {
                ExpectedShape target = layout.get(block + attention + "." + projection + ".weight");
                String name = "lora_unet_" + diffusersBlock + "_transformer_blocks_0_" + attention + "_" + projection.replace('.', '_');
                loraPair(writer, name, target, rank, dtype, random);
            }
        }
    }

    private static void loraPair(SafetensorsWriter writer, String module, ExpectedShape target, int rank, DType dtype,
                                 SplittableRandom random) {
        long out = target.shape().get(0);
        long in = target.shape().get(1);
        writer.add(module + ".lora_down.weight", dtype, new long[] {rank, in}, gaussian(random, rank * in, 1 / Math.sqrt(in)));
        writer.add(module + ".lora_up.weight", dtype, new long[] {out, rank}, gaussian(random, out * rank, 0.01));
        writer.add(module + ".alpha", dtype, new long[] {}, new float[] {rank / 2f});
    }

    /** Random tensors for every key of a layout, in its order. */
    public static SafetensorsWriter randomWeights(Map<String, ExpectedShape> layout, DType dtype, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        SafetensorsWriter writer = new SafetensorsWriter();
        for (Map.Entry<String, ExpectedShape> entry : layout.entrySet()) {
            long[] shape = entry.getValue().shape().stream().mapToLong(Long::longValue).toArray();
            long count = 1;
            for (long d : shape) {
                count *= d;
            }
            float[] values;
            if (shape.length >= 2) {
                values = gaussian(random, count, 1 / Math.sqrt(count / shape[0]));
            } else if (entry.getKey().endsWith(".weight")) {
                values = gaussian(random, count, 0.02); // a norm's scale
                for (int i = 0; i < values.length; i++) {
                    values[i] += 1;
                }
            } else {
                values = gaussian(random, count, 0.02);
            }
            writer.add(entry.getKey(), dtype, shape, values);
        }
        return writer;
    }

    private static float[] gaussian(SplittableRandom random, long count, double scale) {
        float[] values = new float[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            // Box-Muller from two uniforms: SplittableRandom has no nextGaussian on Java 17.
            double u = 1 - random.nextDouble();
            double v = random.nextDouble();
            values[i] = (float) (scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
        }
        return values;
    }
}
