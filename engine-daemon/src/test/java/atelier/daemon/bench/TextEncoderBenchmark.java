package atelier.daemon.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.net.CheckpointWeights;
import atelier.daemon.neural.diffusion.net.TextEncoder;
import atelier.daemon.neural.diffusion.net.TorchReference;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import atelier.daemon.neural.diffusion.text.ClipTokenizer;
import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * SD 1.5's text encoder (CLIP ViT-L/14, full size, random weights) in Atelier beside the same
 * network in plain PyTorch (src/test/python/sd15_torch.py, checked against the original code's
 * outputs in ../shared/reference first) on Debian's python3-torch, in one run: one guided
 * step's encode, a batch of 2 prompts (prompt and negative), one warm-up then the median of
 * REPEATS; both on the CPU in fp32 with libtorch's intra-op threads set alike. Prints the wall
 * times, Atelier's over PyTorch's, each process's CPU time (steadier than wall time on a busy
 * machine) and peak resident memory. Debian's torch multiplies
 * matrices with whatever libblas.so.3 is, so a fair comparison needs libopenblas0-pthread installed
 * (the benchmark says when it is not). Run from engine-daemon/ (the PyTorch scripts are found
 * under src/test/python) with `./bench textEncoder [REPEATS]`.
 */
public final class TextEncoderBenchmark {

    private static final int N = ClipTokenizer.CONTEXT_LENGTH;

    public static void main(String[] args) throws Exception {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Sd15Widths widths = Sd15Widths.SD15;
        TorchRuntime torch = TorchRuntime.cpu();
        int threads = JniUtils.getNumThreads();
        float[] ids = promptAndEmptyPrompt();

        double[] atelier = new double[repeats];
        double[] atelierCpu = new double[repeats];
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (NDManager manager = torch.newManager()) {
            TextEncoder encoder = new TextEncoder(widths);
            CheckpointWeights.random(encoder, manager, torch.device(), torch.computeType());
            int[] intIds = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                intIds[i] = (int) ids[i];
            }
            NDArray input = manager.create(intIds, new Shape(2, N));
            encoder.encode(input).close();
            for (int r = 0; r < repeats; r++) {
                long start = System.nanoTime();
                long cpuStart = os.getProcessCpuTime();
                encoder.encode(input).close();
                atelierCpu[r] = (os.getProcessCpuTime() - cpuStart) / 1e9;
                atelier[r] = (System.nanoTime() - start) / 1e9;
            }
        }
        long atelierPeakKib = peakRssKib();

        Path work = Files.createTempDirectory("text-encoder-bench-");
        Map<String, float[]> reference = TorchReference.run("clip_text_benchmark.py", work,
                Map.of("ids", new TorchReference.Tensor(new long[] {2, N}, ids)), "" + widths.textWidth(), "" + widths.textLayers(),
                "" + widths.textHeads(), "" + widths.textVocab(), "" + widths.textPositions(), "" + threads, "" + repeats);
        double[] pytorch = new double[repeats];
        double[] pytorchCpu = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            pytorch[r] = reference.get("seconds")[r];
            pytorchCpu[r] = reference.get("cpu_seconds")[r];
        }
        long pytorchPeakKib = (long) reference.get("peak_rss_kib")[0];

        String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        double a = median(atelier);
        double p = median(pytorch);
        System.out.printf("SD 1.5 text encoder (CLIP ViT-L/14, %d layers x %d wide), batch of 2 x %d tokens, %s, %d intra-op threads, "
                + "load average %s on %d cores%n", widths.textLayers(), widths.textWidth(), N, torch.describe(), threads, load,
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%-28s %10s %14s %14s%n", "", "median ms", "median CPU ms", "peak RSS MiB");
        System.out.printf("%-28s %10.1f %14.1f %14d%n", "Atelier (DJL)", a * 1000, median(atelierCpu) * 1000, atelierPeakKib / 1024);
        System.out.printf("%-28s %10.1f %14.1f %14d%n", "PyTorch (sd15_torch)", p * 1000, median(pytorchCpu) * 1000,
                pytorchPeakKib / 1024);
        System.out.printf("Atelier / PyTorch time: %.2f (runs: Atelier %s ms, PyTorch %s ms)%n", a / p, millis(atelier),
                millis(pytorch));
        if (reference.get("openblas")[0] == 0) {
            System.out.println("PyTorch ran on the reference BLAS (Debian's torch uses whatever libblas.so.3 is): its time is "
                    + "BLAS, not the framework; apt-get install libopenblas0-pthread for a fair comparison");
        }
    }

    /** A 20-token prompt of random vocabulary ids and the empty prompt: start, tokens, end, end-padding. */
    private static float[] promptAndEmptyPrompt() {
        SplittableRandom random = new SplittableRandom(1);
        float[] ids = new float[2 * N];
        Arrays.fill(ids, 49407);
        ids[0] = 49406;
        for (int i = 1; i <= 20; i++) {
            ids[i] = random.nextInt(49406);
        }
        ids[N] = 49406;
        return ids;
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

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String millis(double[] seconds) {
        StringBuilder s = new StringBuilder();
        for (double v : seconds) {
            s.append(s.length() == 0 ? "" : " ").append(String.format("%.0f", v * 1000));
        }
        return s.toString();
    }
}
