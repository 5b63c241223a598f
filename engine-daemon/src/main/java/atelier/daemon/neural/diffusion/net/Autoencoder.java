package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * SD 1.5's VAE, ldm's models.autoencoder.AutoencoderKL at inference: {@link Encoder} then
 * quant_conv (1x1) to the latent distribution; post_quant_conv (1x1) then {@link Decoder} back
 * to an image. Keys are "first_stage_model.*" inside a checkpoint and have no prefix in a
 * standalone VAE file. Latents here are unscaled: the UNet works on them times {@link #SCALE_FACTOR}.
 *
 * <p>Both calls run on the device and in the type of the loaded weights, inside a sub-manager
 * of the input's manager, so only the result survives; inputs are converted as needed.
 */
public final class Autoencoder extends NetworkBlock {

    /** SD 1.5's scale_factor: latents are multiplied by it for the UNet, divided by it before decoding. */
    public static final float SCALE_FACTOR = 0.18215f;
    /** Image pixels a side per latent pixel. */
    public static final int DOWNSCALE = 8;

    /**
     * Largest latent tile a side decoded at once (640 pixels). The peak of a decode is at the
     * shallowest level, where the 256-wide output of the last Upsample (a map of S = 256 x H x W
     * values, H x W the image) meets the first 128-wide ResnetBlock: the block input, the norm's
     * intermediates and the swish live at once, about 5 S as measured (a 512 x 512 decode peaks
     * at 1.74 GB resident, of which 0.5 GB JVM, libtorch and fp32 weights; S is 256 MB). For a
     * 640 x 640 tile that is ~2.1 GB in fp32 and ~1.05 GB in fp16; a whole 1024 x 1024 decode
     * would need ~5.4 GB in fp32, which with a loaded UNet (3.4 GB) does not fit in 8 GB. The
     * tiled 1024 x 1024 decode (2 x 2 tiles of 72) measured 2.15 GB resident in all.
     */
    public static final int TILE = 80;
    /**
     * Latent pixels adjacent tiles share (128 image pixels), blended linearly. Each tile's own
     * edge is wrong (the convs see zero padding where the neighbour has content, and its
     * GroupNorms and attention see only the tile), so the blend gives those pixels little weight.
     */
    public static final int OVERLAP = 16;

    private final Encoder encoder;
    private final Decoder decoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;

    /**
     * @param prefix "first_stage_model." in a checkpoint, "" in a standalone VAE file (as in Sd15Layout.vae)
     * @param widths vaeChannels (128) and normGroups (32) shape the networks
     */
    public Autoencoder(String prefix, Sd15Widths widths) {
        super(prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix);
        int z = Sd15Widths.LATENT_CHANNELS;
        encoder = child("encoder", new Encoder(keyOf("encoder"), widths.vaeChannels(), widths.normGroups()));
        decoder = child("decoder", new Decoder(keyOf("decoder"), widths.vaeChannels(), widths.normGroups()));
        quantConv = child("quant_conv", new Conv2d(keyOf("quant_conv"), 2 * z, 2 * z, 1));
        postQuantConv = child("post_quant_conv", new Conv2d(keyOf("post_quant_conv"), z, z, 1));
    }

    /** ldm's DiagonalGaussianDistribution: the encoder's mean and log-variance, each (B, 4, H/8, W/8). */
    public record LatentDistribution(NDArray mean, NDArray logVar) {

        /** mean + std * noise, the log-variance clamped to [-30, 20] as ldm does. */
        public NDArray sample(NDArray noise) {
            return mean.add(logVar.clip(-30, 20).mul(0.5).exp().mul(noise));
        }
    }

    /** An image (B, 3, H, W) in [-1, 1] to its latent distribution, unscaled. */
    public LatentDistribution encode(NDArray image) {
        NDArray moments = scoped(image, x -> Scoped.then(encoder.apply(x), quantConv::apply));
        NDList halves = moments.split(2, 1);
        moments.close(); // the halves are views that keep its memory
        return new LatentDistribution(halves.get(0), halves.get(1));
    }

    /** Unscaled latents (B, 4, h, w) to an image (B, 3, 8h, 8w) in about [-1, 1]; tiled when larger than {@link #TILE}. */
    public NDArray decode(NDArray latents) {
        return decode(latents, TILE, OVERLAP);
    }

    /** {@link #decode(NDArray)} with another tile size and overlap, in latent pixels. */
    public NDArray decode(NDArray latents, int tile, int overlap) {
        // Overlaps must not chain (a pixel in three tiles along an axis): see Span.cover.
        if (overlap < 1 || tile < 3 * overlap + 4) {
            throw new IllegalArgumentException("tile " + tile + " is too small for an overlap of " + overlap);
        }
        return scoped(latents, z -> {
            Shape s = z.getShape();
            if (s.get(2) <= tile && s.get(3) <= tile) {
                return decodeWhole(z);
            }
            return decodeTiled(z, Span.cover(s.get(2), tile, overlap), Span.cover(s.get(3), tile, overlap));
        });
    }

    /** Reconstruction through the latent mean, AutoencoderKL.forward without sampling. */
    @Override
    public NDArray apply(NDArray image) {
        LatentDistribution latent = encode(image);
        NDArray out = decode(latent.mean());
        latent.mean().close();
        latent.logVar().close();
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape moments = encoder.getOutputShapes(inputs)[0];
        return decoder.getOutputShapes(new Shape[] {new Shape(moments.get(0), moments.get(1) / 2, moments.get(2), moments.get(3))});
    }

    private NDArray decodeWhole(NDArray z) {
        return Scoped.then(postQuantConv.apply(z), decoder::apply);
    }

    /**
     * Decodes each tile and sums them weighted by ramps that rise linearly across the overlap
     * with the previous tile and fall across the overlap with the next, divided by the summed
     * weights; the canvas is float32 whatever the compute type.
     */
    private NDArray decodeTiled(NDArray z, List<Span> rows, List<Span> cols) {
        Shape s = z.getShape();
        NDManager m = z.getManager();
        NDArray canvas = m.zeros(new Shape(s.get(0), Encoder.IMAGE_CHANNELS, DOWNSCALE * s.get(2), DOWNSCALE * s.get(3)));
        NDArray weights = m.zeros(new Shape(1, 1, canvas.getShape().get(2), canvas.getShape().get(3)));
        for (Span row : rows) {
            for (Span col : cols) {
                try (NDScope scope = new NDScope()) {
                    NDArray tile = decodeWhole(z.get(new NDIndex(":, :, {}:{}, {}:{}", row.start, row.end, col.start, col.end)))
                            .toType(DataType.FLOAT32, false);
                    NDArray ramp = m.create(row.ramp(), new Shape(row.pixels(), 1)).mul(m.create(col.ramp(), new Shape(1, col.pixels())));
                    NDIndex where = new NDIndex(":, :, {}:{}, {}:{}", DOWNSCALE * row.start, DOWNSCALE * row.end,
                            DOWNSCALE * col.start, DOWNSCALE * col.end);
                    canvas.set(where, canvas.get(where).add(tile.mul(ramp)));
                    weights.set(where, weights.get(where).add(ramp));
                }
            }
        }
        return canvas.div(weights).toType(z.getDataType(), false);
    }

    /**
     * Runs {@code body} on the input moved to the weights' device and type, in a sub-manager of
     * the input's manager; only the result is kept, attached to that manager.
     */
    private NDArray scoped(NDArray input, Function<NDArray, NDArray> body) {
        NDManager caller = input.getManager();
        NDArray weight = value(postQuantConv.getParameters().get(0).getValue());
        try (NDManager call = caller.newSubManager(weight.getDevice())) {
            input.tempAttach(call);
            NDArray result = body.apply(input.toDevice(weight.getDevice(), false).toType(weight.getDataType(), false));
            result.attach(caller);
            return result;
        }
    }

    /**
     * A tile's stretch [start, end) of one latent axis, with the latent pixels it shares with
     * the tile before (0 for the first) and after (0 for the last).
     */
    record Span(long start, long end, long sharedBefore, long sharedAfter) {

        /**
         * The fewest tiles of at most {@code tile} that cover {@code length} with at least
         * {@code overlap} shared, all the same size and evenly spread. Their size is at least
         * (tile + overlap) / 2 and the shared part at most overlap + 1 (rounding), so with
         * tile >= 3 overlap + 4 no pixel is in more than two tiles along an axis.
         */
        static List<Span> cover(long length, int tile, int overlap) {
            if (length <= tile) {
                return List.of(new Span(0, length, 0, 0));
            }
            long n = ceilDiv(length - overlap, tile - overlap);
            long size = ceilDiv(length + (n - 1) * overlap, n);
            long[] starts = new long[(int) n];
            for (int i = 0; i < n; i++) {
                starts[i] = Math.round((double) i * (length - size) / (n - 1));
            }
            List<Span> spans = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long before = i == 0 ? 0 : starts[i - 1] + size - starts[i];
                long after = i == n - 1 ? 0 : starts[i] + size - starts[i + 1];
                spans.add(new Span(starts[i], starts[i] + size, before, after));
            }
            return spans;
        }

        private static long ceilDiv(long a, long b) {
            return (a + b - 1) / b;
        }

        int pixels() {
            return Math.toIntExact(DOWNSCALE * (end - start));
        }

        /** Blend weight of each image pixel of this span: linear across the shared parts, 1 between. */
        float[] ramp() {
            float[] w = new float[pixels()];
            long up = DOWNSCALE * sharedBefore;
            long down = DOWNSCALE * sharedAfter;
            for (int i = 0; i < w.length; i++) {
                float rise = i < up ? (i + 0.5f) / up : 1f;
                float fall = w.length - i <= down ? (w.length - i - 0.5f) / down : 1f;
                w[i] = Math.min(rise, fall);
            }
            return w;
        }
    }
}
