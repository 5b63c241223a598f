package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One step of the full-size SD 1.5 UNet (batch 1, a 64x64 latent, i.e. a 512x512 picture, and a
 * 77x768 text context) in fp32 on the CPU: Atelier's UNet on DJL beside the same network in
 * plain PyTorch on Debian's python3-torch (src/test/python/sd15_torch.py, checked against the
 * original code's outputs in ../shared/reference before it is timed; unet_benchmark.py runs it in
 * a second process with the same thread count). Steps alternate, Atelier then PyTorch, after one
 * warm-up each, so both see the same load from anything else on the machine. Prints the median
 * seconds a step (wall clock, and CPU time, which other load disturbs less), Atelier's over
 * PyTorch's (the target is at most 1.10), and each process's peak resident memory. Random
 * weights, set on the parameters: speed does not depend on their values. Needs about 9 GB free.
 *
 * <p>Run from engine-daemon after a test-compile, with the test class path (what ./bench does):
 * {@code java -cp target/test-classes:target/classes:$(cat target/cp.txt) atelier.daemon.neural.diffusion.net.UNetBenchmark [REPEATS]}.
 */
public final class UNetBenchmark {

    private static final Pattern STEP = Pattern.compile("\\{\"wall_s\": ([0-9.eE+-]+), \"cpu_s\": ([0-9.eE+-]+)}");
    private static final Pattern PEAK = Pattern.compile("\\{\"peak_rss_mb\": ([0-9.]+)}");

    public static void main(String[] args) throws Exception {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        TorchRuntime torch = TorchRuntime.cpu();
        int threads = JniUtils.getNumThreads();
        System.out.printf("SD 1.5 UNet, one step: batch 1, 64x64 latent (512x512), 77x768 context, fp32 on the CPU, %d threads;"
                + " median of %d alternating steps after a warm-up%n", threads, repeats);

        Process python = python(threads);
        BufferedReader fromPython = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter toPython = new PrintWriter(python.getOutputStream(), true, StandardCharsets.UTF_8);
        double[][] atelier = new double[2][repeats];
        double[][] reference = new double[2][repeats];
        try (NDManager manager = torch.newManager()) {
            UNet unet = new UNet(Sd15Widths.SD15);
            randomWeights(unet, manager);
            NDArray x = manager.randomNormal(new Shape(1, 4, 64, 64));
            NDArray t = manager.create(new float[] {500f});
            NDArray context = manager.randomNormal(new Shape(1, 77, 768));
            String ready = expect(fromPython, Pattern.compile("ready (.*)")).group(1);
            for (int i = -1; i < repeats; i++) {
                long wall = System.nanoTime();
                long cpu = processCpuNanos();
                unet.predictNoise(x, t, context, null).close();
                double[] step = {(System.nanoTime() - wall) / 1e9, (processCpuNanos() - cpu) / 1e9};
                toPython.println("step");
                Matcher m = expect(fromPython, STEP);
                if (i >= 0) {
                    atelier[0][i] = step[0];
                    atelier[1][i] = step[1];
                    reference[0][i] = Double.parseDouble(m.group(1));
                    reference[1][i] = Double.parseDouble(m.group(2));
                }
            }
            toPython.println("quit");
            String peak = expect(fromPython, PEAK).group(1);
            python.waitFor();
            report("Atelier (" + torch.describe() + ")", atelier, String.format("%.0f", peakRssMb()));
            report(ready, reference, peak);
        } finally {
            python.destroy();
        }
        System.out.printf("ratio Atelier / PyTorch: %.3f wall clock, %.3f CPU time (target <= 1.10)%n",
                median(atelier[0]) / median(reference[0]), median(atelier[1]) / median(reference[1]));
    }

    private static void report(String who, double[][] seconds, String peakMb) {
        System.out.printf("%s:%n  %.2f s/step wall (runs %s), %.2f CPU s/step, peak RSS %s MB%n", who, median(seconds[0]),
                Arrays.toString(Arrays.stream(seconds[0]).map(s -> Math.round(s * 100) / 100.0).toArray()), median(seconds[1]),
                peakMb);
    }

    /** Weights scaled like an initialised network (1/sqrt(fan-in); norm scales near 1), set directly: no file to write. */
    private static void randomWeights(UNet unet, NDManager manager) {
        for (Pair<Parameter, Shape> slot : CheckpointWeights.slots(unet)) {
            Shape shape = slot.getValue();
            float std = shape.dimension() >= 2 ? (float) (1 / Math.sqrt(shape.size() / shape.get(0))) : 0.02f;
            float mean = shape.dimension() < 2 && slot.getKey().getName().endsWith(".weight") ? 1 : 0;
            slot.getKey().setArray(manager.randomNormal(mean, std, shape, DataType.FLOAT32));
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** VmHWM: the most resident memory this process has had. */
    private static double peakRssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    private static Process python(int threads) throws IOException {
        Path scripts = Path.of("src/test/python").toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder(List.of(TorchReference.PYTHON, scripts.resolve("unet_benchmark.py").toString(),
                String.valueOf(threads))).redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", scripts.toString());
        return builder.start();
    }

    /** The next line of the script's output that matches; anything else it prints is an error. */
    private static Matcher expect(BufferedReader output, Pattern pattern) throws IOException {
        StringBuilder seen = new StringBuilder();
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            Matcher m = pattern.matcher(line);
            if (m.matches()) {
                return m;
            }
            seen.append(line).append('\n');
        }
        throw new IllegalStateException("unet_benchmark.py ended without " + pattern + ":\n" + seen);
    }
}
