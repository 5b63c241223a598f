package atelier.daemon.neural.diffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.ExpectedShape;
import atelier.daemon.neural.diffusion.checkpoint.LayerDelta;
import atelier.daemon.neural.diffusion.checkpoint.LoraFile;
import atelier.daemon.neural.diffusion.checkpoint.SafetensorsWriter;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import atelier.daemon.neural.diffusion.sampling.GaussianNoise;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Which way to run a LoRA for a whole request: as side paths beside the base weights (what
 * Atelier does), or merged into them (W + dW once, the base weights put back after). A full-size
 * SD 1.5 UNet (random weights) takes guided steps (batch 2, 64x64 latent, a 512x512 picture)
 * without a LoRA, which is exactly what a merged network computes, and with a LoRA's side paths;
 * the merge itself (every dW computed and added) is timed too. Prints a 20-step request both ways.
 *
 * <p>Run: {@code ./bench lora [STEPS] [RANK] [locon|attention]} (default 2 timed steps each, rank 64,
 * locon: every linear and convolution layer, as latent-consistency's LCM-LoRA; attention: the
 * transformer layers only, as most character and style LoRAs).
 */
public final class LoraBenchmark {

    private LoraBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int rank = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        boolean everyLayer = args.length <= 2 || args[2].equals("locon");
        TorchRuntime runtime = TorchRuntime.cpu();
        Sd15Widths widths = Sd15Widths.SD15;
        Path lora = Files.createTempFile("atelier-lora-bench", ".safetensors");
        int modules = writeLora(lora, widths, rank, everyLayer);
        System.out.printf("SD 1.5 UNet, guided step (batch 2, 64x64 latent), %s on %d intra-op threads; LoRA rank %d on %d layers (%s)%n",
                runtime.describe(), Runtime.getRuntime().availableProcessors(), rank, modules,
                everyLayer ? "every linear and convolution layer" : "the transformer layers");
        try (Sd15Model model = Sd15Model.withRandomWeights("sd15-random", widths, runtime);
             NDManager m = runtime.newManager()) {
            GaussianNoise noise = new GaussianNoise(1);
            NDArray x = m.create(noise.next(2 * 4 * 64 * 64), new Shape(2, 4, 64, 64));
            NDArray t = m.create(new float[] {500f, 500f});
            NDArray context = m.create(noise.next(2 * 77 * widths.textWidth()), new Shape(2, 77, widths.textWidth()));
            double plain = median(model.inRequest(List.of(), r -> time(model, x, t, context, steps)));
            double side = median(model.inRequest(List.of(new Sd15Model.LoraUse(lora, 1.0)), r -> time(model, x, t, context, steps)));
            double merge = mergeSeconds(lora, widths, m, runtime);
            double sideRun = 20 * side;
            double mergedRun = 20 * plain + merge;
            System.out.printf("step without LoRA (= merged weights): %.2f s%n", plain);
            System.out.printf("step with side paths:                 %.2f s (%.2fx)%n", side, side / plain);
            System.out.printf("merging the LoRA into the weights:     %.2f s once a request (restoring: putting the kept arrays back)%n",
                    merge);
            System.out.printf("20-step request: side paths %.0f s, merged %.0f s -> %s is faster by %.0f s (%.1f %%)%n", sideRun,
                    mergedRun, sideRun <= mergedRun ? "side paths" : "merging", Math.abs(sideRun - mergedRun),
                    100 * Math.abs(sideRun - mergedRun) / Math.max(sideRun, mergedRun));
        } finally {
            Files.deleteIfExists(lora);
        }
    }

    /** Seconds of each timed step after one warm-up. */
    private static double[] time(Sd15Model model, NDArray x, NDArray t, NDArray context, int steps) {
        double[] seconds = new double[steps];
        for (int i = -1; i < steps; i++) {
            long start = System.nanoTime();
            model.unet().predictNoise(x, t, context, null).close();
            if (i >= 0) {
                seconds[i] = (System.nanoTime() - start) / 1e9;
            }
        }
        return seconds;
    }

    /** What merging costs: every layer's dW = scale * up . down (mid folded in) added to a copy of W. */
    private static double mergeSeconds(Path lora, Sd15Widths widths, NDManager m, TorchRuntime runtime) throws Exception {
        Map<String, LayerDelta> deltas = LoraFile.load(lora, 1.0, widths, m, DataType.FLOAT32);
        Map<String, ExpectedShape> layout = Sd15Layout.unet(widths);
        GaussianNoise noise = new GaussianNoise(2);
        long total = 0;
        for (Map.Entry<String, LayerDelta> entry : deltas.entrySet()) {
            long[] shape = layout.get(entry.getKey() + ".weight").shape().stream().mapToLong(Long::longValue).toArray();
            try (NDManager layer = m.newSubManager()) {
                NDArray weight = layer.create(noise.next((int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)), new Shape(shape));
                LayerDelta.LowRank low = (LayerDelta.LowRank) entry.getValue();
                long start = System.nanoTime();
                long r = low.down().getShape().get(0);
                NDArray change = low.up().reshape(shape[0], r).matMul(low.down().reshape(r, -1)).reshape(shape).mul(low.scale());
                NDArray merged = weight.add(change);
                merged.toFloatArray(); // forces the work (libtorch runs it eagerly; this reads it back)
                total += System.nanoTime() - start;
            }
        }
        return total / 1e9;
    }

    /** A kohya LoCon-style file (LDM names) at this rank for every layer of the chosen set. */
    private static int writeLora(Path file, Sd15Widths widths, int rank, boolean everyLayer) throws Exception {
        SafetensorsWriter writer = new SafetensorsWriter();
        GaussianNoise noise = new GaussianNoise(3);
        int modules = 0;
        for (Map.Entry<String, ExpectedShape> key : Sd15Layout.unet(widths).entrySet()) {
            List<Long> shape = key.getValue().shape();
            String name = key.getKey();
            if (!name.endsWith(".weight") || shape.size() < 2 || (!everyLayer && !name.contains("transformer_blocks")
                    && !name.contains("proj_in") && !name.contains("proj_out"))) {
                continue;
            }
            String module = "lora_unet_" + name.substring(Sd15Layout.UNET.length(), name.length() - ".weight".length()).replace('.', '_');
            long out = shape.get(0);
            long in = shape.get(1);
            long[] down = shape.size() == 4 ? new long[] {rank, in, shape.get(2), shape.get(3)} : new long[] {rank, in};
            long[] up = shape.size() == 4 ? new long[] {out, rank, 1, 1} : new long[] {out, rank};
            writer.add(module + ".lora_down.weight", DType.F16, down, scaled(noise.next((int) (rank * in * (shape.size() == 4
                    ? shape.get(2) * shape.get(3) : 1))), 0.01f));
            writer.add(module + ".lora_up.weight", DType.F16, up, scaled(noise.next((int) (out * rank)), 0.01f));
            writer.add(module + ".alpha", DType.F16, new long[] {}, new float[] {rank});
            modules++;
        }
        writer.write(file);
        return modules;
    }

    private static float[] scaled(float[] values, float by) {
        for (int i = 0; i < values.length; i++) {
            values[i] *= by;
        }
        return values;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
