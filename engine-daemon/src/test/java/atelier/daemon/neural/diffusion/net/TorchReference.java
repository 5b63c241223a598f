package atelier.daemon.neural.diffusion.net;

import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a benchmark's PyTorch side from src/test/python with Debian's python3 and python3-torch:
 * the inputs go in a safetensors file, the script writes its outputs to another (see
 * reference_tensors.py). Only benchmarks use it (the networks' correctness is checked against
 * ../shared/reference in Java); without python3-torch it says which package to install.
 */
public final class TorchReference {

    public static final String PYTHON = "/usr/bin/python3";
    private static final Path SCRIPTS = Path.of("src/test/python").toAbsolutePath();

    private TorchReference() {
    }

    /** A tensor to hand to the script. */
    public record Tensor(long[] shape, float[] values) {
    }

    /**
     * @param script a file under src/test/python, called as {@code script inputs outputs args...}
     * @return the script's outputs by name
     */
    public static Map<String, float[]> run(String script, Path workDir, Map<String, Tensor> inputs, String... args)
            throws IOException, InterruptedException {
        Path in = workDir.resolve("reference-inputs.safetensors");
        Path out = workDir.resolve("reference-outputs.safetensors");
        SafetensorsWriter writer = new SafetensorsWriter();
        inputs.forEach((name, t) -> writer.add(name, DType.F32, t.shape(), t.values()));
        writer.write(in);
        List<String> command = new ArrayList<>(List.of(PYTHON, SCRIPTS.resolve(script).toString(), in.toString(), out.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", SCRIPTS.toString());
        Process process = builder.start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            if (log.contains("No module named 'torch'")) {
                throw new IllegalStateException("the reference comparison needs PyTorch: apt-get install python3-torch");
            }
            throw new IllegalStateException(script + " failed:\n" + log);
        }
        Safetensors outputs = Safetensors.open(out);
        Map<String, float[]> values = new LinkedHashMap<>();
        outputs.tensors().forEach(t -> values.put(t.name(), outputs.floats(t.name())));
        Files.deleteIfExists(in);
        return values;
    }

    /** The largest |a - b|; the arrays must have the same length. */
    public static double maxAbsDifference(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " values against " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
