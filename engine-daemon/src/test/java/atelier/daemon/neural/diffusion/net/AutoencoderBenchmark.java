package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * SD 1.5's VAE decode, Java (DJL) against the same network in plain PyTorch (sd15_torch.py,
 * checked against the original code's outputs in ../shared/reference before it is timed), in
 * one run: the full-size network with random weights (no file needed), a 64x64 latent (a
 * 512x512 image), one warm-up then the median of 3, on the same number of intra-op threads;
 * then a tiled 1024x1024 decode in Java. Peak resident memory is the process's VmHWM, reset
 * before each measurement, for Java, and getrusage's maximum for the Python process.
 *
 * <p>Run from engine-daemon (the Python script is found under src/test/python):
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) atelier.daemon.neural.diffusion.net.AutoencoderBenchmark
 * </pre>
 */
public final class AutoencoderBenchmark {

    private static final int REPEATS = 3;

    private AutoencoderBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        TorchRuntime torch = TorchRuntime.detect();
        int threads = JniUtils.getNumThreads();
        Autoencoder vae = new Autoencoder(Sd15Layout.VAE, Sd15Widths.SD15);
        try (NDManager manager = torch.newManager()) {
            randomWeights(vae, manager, torch);
            System.out.println("VAE decode, SD 1.5 full size, random weights; " + torch.describe() + ", " + threads
                    + " intra-op threads");

            resetPeakMemory();
            double[] times = new double[REPEATS];
            for (int i = -1; i < REPEATS; i++) {
                double seconds = timeDecode(vae, manager, 64);
                if (i >= 0) {
                    times[i] = seconds;
                }
            }
            double java = median(times);
            long javaPeak = peakMemoryMb();

            ProcessBuilder builder = new ProcessBuilder(TorchReference.PYTHON, "src/test/python/vae_benchmark.py",
                    String.valueOf(threads), "64", String.valueOf(REPEATS)).redirectErrorStream(true);
            builder.environment().put("PYTHONPATH", "src/test/python");
            Process python = builder.start();
            python.getOutputStream().close();
            String pythonLine = "";
            for (String line : new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("{")) {
                    pythonLine = line;
                }
            }
            if (python.waitFor() != 0 || pythonLine.isEmpty()) {
                throw new IllegalStateException("vae_benchmark.py failed (needs python3-torch)");
            }
            double reference = number(pythonLine, "median_s");
            System.out.printf("512x512 decode: Java %.2f s (median of %s), PyTorch/ldm %.2f s (%s); Java / PyTorch %.2f%n",
                    java, Arrays.toString(round(times)), reference, pythonLine.replaceAll(".*\"seconds\": (\\[[^]]*]).*", "$1"),
                    java / reference);
            System.out.printf("peak resident memory: Java %d MB (JVM, libtorch, weights, activations), PyTorch %.0f MB%n", javaPeak,
                    number(pythonLine, "peak_rss_mb"));

            resetPeakMemory();
            double tiled = timeDecode(vae, manager, 128);
            System.out.printf("1024x1024 tiled decode (%dx%d latent tiles of at most %d, sharing %d): Java %.2f s, peak %d MB%n",
                    Autoencoder.Span.cover(128, Autoencoder.TILE, Autoencoder.OVERLAP).size(),
                    Autoencoder.Span.cover(128, Autoencoder.TILE, Autoencoder.OVERLAP).size(), Autoencoder.TILE,
                    Autoencoder.OVERLAP, tiled, peakMemoryMb());
        }
    }

    /** Weights scaled like an initialised network (1/sqrt(fan-in)), norms at identity: finite, realistic magnitudes. */
    private static void randomWeights(Autoencoder vae, NDManager manager, TorchRuntime torch) {
        for (Pair<Parameter, Shape> slot : CheckpointWeights.slots(vae)) {
            Shape shape = slot.getValue();
            boolean bias = slot.getKey().getName().endsWith(".bias");
            NDArray value = shape.dimension() > 1
                    ? manager.randomNormal(0, (float) (1 / Math.sqrt(shape.size() / shape.get(0))), shape, torch.computeType())
                    : bias ? manager.zeros(shape, torch.computeType()) : manager.ones(shape, torch.computeType());
            slot.getKey().setArray(value);
        }
    }

    private static double timeDecode(Autoencoder vae, NDManager manager, int latentSize) {
        try (NDManager call = manager.newSubManager()) {
            NDArray latents = call.randomNormal(new Shape(1, 4, latentSize, latentSize));
            long start = System.nanoTime();
            NDArray image = vae.decode(latents);
            image.toFloatArray(); // waits for a GPU to finish
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** Linux: writing 5 to clear_refs resets VmHWM to the current resident size. */
    private static void resetPeakMemory() throws IOException {
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    }

    private static long peakMemoryMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }

    private static double number(String json, String field) {
        return Double.parseDouble(json.replaceAll(".*\"" + field + "\": ([0-9.eE+-]+).*", "$1"));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String[] round(double[] values) {
        return Arrays.stream(values).mapToObj(v -> String.format("%.2f", v)).toArray(String[]::new);
    }
}
