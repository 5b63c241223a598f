package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.pipeline.ControlGuide;
import atelier.daemon.neural.diffusion.pipeline.UNetNoisePredictor;
import atelier.daemon.neural.diffusion.sampling.EpsilonModel;
import atelier.daemon.neural.diffusion.sampling.TensorLatents;
import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What a ControlNet costs a sampling step: the full-size SD 1.5 UNet and an SD 1.5 ControlNet
 * (random weights: speed does not depend on them) in fp32 on the CPU, one network call as the
 * Sampler makes it (batch 1, a 64x64 latent, i.e. a 512x512 picture, 77x768 text), through
 * UNetNoisePredictor without and with the ControlNet. Calls alternate, plain then controlled,
 * after one warm-up each, so both see the same load from anything else on the machine. Prints
 * the median seconds a call (wall clock, and process CPU time, which other load disturbs less),
 * the controlled over the plain (the ControlNet's overhead), the hint encoder's one-off time,
 * the load average and the peak resident memory. Needs about 6 GB free.
 *
 * <p>Run from engine-daemon after a test-compile: {@code ./bench controlNet [REPEATS]}.
 */
public final class ControlNetBenchmark {

    public static void main(String[] args) throws Exception {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        TorchRuntime torch = TorchRuntime.cpu();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[][] plain = new double[2][repeats];
        double[][] controlled = new double[2][repeats];
        double hintSeconds;
        try (NDManager manager = torch.newManager()) {
            UNet unet = new UNet(Sd15Widths.SD15);
            CheckpointWeights.random(unet, manager, torch.device(), torch.computeType());
            ControlNet controlNet = new ControlNet(Sd15Widths.SD15);
            CheckpointWeights.random(controlNet, manager, torch.device(), torch.computeType());
            TensorLatents latents = TensorLatents.of(manager.randomNormal(new Shape(1, 4, 64, 64)));
            NDArray context = manager.randomNormal(new Shape(1, 77, 768));
            NDArray lines = manager.randomUniform(0, 1, new Shape(1, 3, 512, 512));

            UNetNoisePredictor alone = new UNetNoisePredictor(unet, torch.computeType());
            long start = System.nanoTime();
            UNetNoisePredictor steered = alone.withControl(ControlGuide.always(controlNet, lines)); // encodes the hint
            hintSeconds = (System.nanoTime() - start) / 1e9;
            for (int i = -1; i < repeats; i++) {
                double[] a = call(alone, latents, context, os);
                double[] b = call(steered, latents, context, os);
                if (i >= 0) {
                    plain[0][i] = a[0];
                    plain[1][i] = a[1];
                    controlled[0][i] = b[0];
                    controlled[1][i] = b[1];
                }
            }
        }
        String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        System.out.printf("SD 1.5 UNet step with and without an SD 1.5 ControlNet: batch 1, 64x64 latent (512x512), 77x768 text, "
                + "%s, %d intra-op threads, load average %s on %d cores; median of %d alternating calls after a warm-up%n",
                torch.describe(), JniUtils.getNumThreads(), load, Runtime.getRuntime().availableProcessors(), repeats);
        System.out.printf("%-22s %10s %12s  %s%n", "", "median s", "median CPU s", "runs (wall s)");
        System.out.printf("%-22s %10.2f %12.2f  %s%n", "UNet", median(plain[0]), median(plain[1]), runs(plain[0]));
        System.out.printf("%-22s %10.2f %12.2f  %s%n", "ControlNet + UNet", median(controlled[0]), median(controlled[1]),
                runs(controlled[0]));
        System.out.printf("ControlNet overhead: x%.2f wall clock, x%.2f CPU time; hint encoder once per run: %.2f s; peak RSS %d MiB%n",
                median(controlled[0]) / median(plain[0]), median(controlled[1]) / median(plain[1]), hintSeconds,
                peakRssKib() / 1024);
    }

    /** One call as the Sampler makes it: {wall seconds, process CPU seconds}. */
    private static double[] call(EpsilonModel<NDArray> model, TensorLatents latents, NDArray context, OperatingSystemMXBean os) {
        long wall = System.nanoTime();
        long cpu = os.getProcessCpuTime();
        ((TensorLatents) model.predictNoise(latents, 500, context)).array().close();
        return new double[] {(System.nanoTime() - wall) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9};
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String runs(double[] seconds) {
        return Arrays.toString(Arrays.stream(seconds).map(s -> Math.round(s * 100) / 100.0).toArray());
    }

    /** This process's peak resident memory (VmHWM), in KiB. */
    private static long peakRssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
