package atelier.daemon.neural.diffusion.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.TinyCheckpoint;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TiledDecodeTest {

    @TempDir
    Path dir;

    @Test
    void tilesCoverTheLatentEvenlyAndOverlapsNeverChain() {
        List<Autoencoder.Span> spans = Autoencoder.Span.cover(128, Autoencoder.TILE, Autoencoder.OVERLAP);
        assertEquals(List.of(new Autoencoder.Span(0, 72, 0, 16), new Autoencoder.Span(56, 128, 16, 0)), spans);
        for (int length = 1; length < 400; length++) {
            List<Autoencoder.Span> cover = Autoencoder.Span.cover(length, 24, 6);
            assertEquals(0, cover.get(0).start());
            assertEquals(length, cover.get(cover.size() - 1).end());
            for (int i = 0; i < cover.size(); i++) {
                Autoencoder.Span s = cover.get(i);
                assertTrue(s.end() - s.start() <= 24, "length " + length);
                if (i > 0) {
                    assertTrue(s.sharedBefore() >= 6 && s.sharedBefore() == cover.get(i - 1).sharedAfter(), "length " + length);
                }
                if (i > 1) {
                    assertTrue(cover.get(i - 2).end() <= s.start(), "three tiles share a pixel at length " + length);
                }
            }
        }
    }

    /**
     * Not exact: each tile's GroupNorms take their mean and variance over the tile only, its
     * middle attention sees only the tile's positions, and its convs see zero padding at its
     * edges. The blend hides the edges; the first two shift a tile's whole output a little,
     * evenly over the tile (measured: the difference is as large mid-tile as at its edges).
     * This tiny model exaggerates it: its norms have 2 channels a group and its tiles are 23
     * latent pixels, where SD 1.5 has 16 channels a group and tiles of up to 80. Measured here:
     * mean |diff| 11% of the image's standard deviation (6% with tiles of 40), so the bounds
     * are 15% on average and 2.5 standard deviations at worst. No seam: where tiles meet, the
     * difference steps from column to column less than twice its median step (measured 1.5
     * times; cutting tiles hard at the middle of the shared part instead of blending: 3.1 times).
     */
    @Test
    void aTiledDecodeIsCloseToTheWholeOneAndShowsNoSeams() throws Exception {
        Path file = TinyCheckpoint.vae(dir.resolve("vae.safetensors"), DType.F32, 11);
        Autoencoder vae = new Autoencoder("", TinyCheckpoint.TINY);
        TorchRuntime torch = TorchRuntime.cpu();
        try (NDManager manager = torch.newManager()) {
            CheckpointWeights.load(vae, Safetensors.open(file), manager, torch.device(), torch.computeType());
            int size = 56; // three tiles of 23 a side, sharing 6 or 7 latent pixels
            int tile = 24;
            int overlap = 6;
            NDArray latents = manager.create(gaussian(4 * size * size, 5), new Shape(1, 4, size, size));
            float[] whole = vae.decode(latents, size, 6).toFloatArray();
            float[] tiled = vae.decode(latents, tile, overlap).toFloatArray();
            List<Autoencoder.Span> spans = Autoencoder.Span.cover(size, tile, overlap);
            assertEquals(3, spans.size());

            double spread = Math.sqrt(variance(whole));
            double mean = 0;
            double max = 0;
            for (int i = 0; i < whole.length; i++) {
                double d = Math.abs(whole[i] - tiled[i]);
                mean += d / whole.length;
                max = Math.max(max, d);
            }
            // A seam is a jump in the tiled image's error (tiled - whole) across a column, where one
            // tile's error gives way to the next's; the blend spreads it over the shared part.
            int side = 8 * size;
            float[] error = new float[whole.length];
            for (int i = 0; i < error.length; i++) {
                error[i] = tiled[i] - whole[i];
            }
            double[] steps = columnSteps(error, side);
            double[] sorted = steps.clone();
            java.util.Arrays.sort(sorted);
            double typical = sorted[sorted.length / 2];
            double worstShared = 0;
            for (Autoencoder.Span s : spans) {
                for (long x = 8 * (s.end() - s.sharedAfter()) - 1; x < 8 * s.end() && s.sharedAfter() > 0; x++) {
                    worstShared = Math.max(worstShared, steps[(int) x]);
                }
            }
            System.out.printf("tiled vs whole decode: mean |diff| %.4f, max %.4f, image spread (std) %.4f; "
                    + "column step of the difference: median %.4f, worst where tiles meet %.4f%n", mean, max, spread, typical,
                    worstShared);
            assertTrue(mean < 0.15 * spread, "mean difference " + mean);
            assertTrue(max < 2.5 * spread, "max difference " + max);
            assertTrue(worstShared < 2 * typical, "a step of " + worstShared + " where tiles meet, " + typical + " typically");
        }
    }

    private static float[] gaussian(int n, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    /** Mean |pixel(x + 1) - pixel(x)| over rows and channels, for each column x. */
    private static double[] columnSteps(float[] image, int side) {
        double[] steps = new double[side - 1];
        int rows = image.length / side;
        for (int r = 0; r < rows; r++) {
            for (int x = 0; x < side - 1; x++) {
                steps[x] += Math.abs(image[r * side + x + 1] - image[r * side + x]) / rows;
            }
        }
        return steps;
    }

    private static double variance(float[] values) {
        double sum = 0;
        double sq = 0;
        for (float v : values) {
            sum += v;
            sq += (double) v * v;
        }
        double mean = sum / values.length;
        return sq / values.length - mean * mean;
    }
}
