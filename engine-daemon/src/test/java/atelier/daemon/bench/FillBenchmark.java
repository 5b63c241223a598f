package atelier.daemon.bench;

import atelier.daemon.classic.PatchMatchFill;
import atelier.daemon.classic.TeleaFill;
import atelier.daemon.image.Bounds;
import atelier.daemon.image.Compositing;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.Operation;
import atelier.daemon.image.Margins;
import atelier.daemon.jobs.Progress;
import atelier.daemon.ops.DiffusionSettings;
import atelier.daemon.ops.EditOrder;
import atelier.daemon.ops.FillEngine;
import atelier.daemon.ops.Outpaint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `./bench fill`: content-fill quality and speed on the test set, Atelier's PatchMatch
 * against OpenCV's Telea and xphoto SHIFTMAP (Debian's python3-opencv) in the same run,
 * then the 1-megapixel speed case. Options: --no-shiftmap skips the slow reference.
 */
public final class FillBenchmark {

    private static final Pattern LINE = Pattern.compile("\"case\": \"([^\"]+)\", \"method\": \"([^\"]+)\", \"seconds\": ([0-9.eE-]+)");

    public static void main(String[] args) throws Exception {
        boolean shiftmap = !List.of(args).contains("--no-shiftmap");
        Path dir = Files.createTempDirectory("atelier-fill-bench");
        Map<String, Raster> truths = new HashMap<>();
        Map<String, Mask> holes = new HashMap<>();
        Map<String, Double> atelierSeconds = new HashMap<>();
        Map<String, Raster> atelierResults = new HashMap<>();
        PatchMatchFill patchMatch = new PatchMatchFill();
        warmUp(patchMatch);
        for (FillTestSet.Case c : FillTestSet.CASES) {
            Raster truth = c.truth();
            Mask hole = c.hole(truth.extent());
            Raster input = FillTestSet.withHole(truth, hole);
            truths.put(c.name(), truth);
            holes.put(c.name(), hole);
            Files.write(dir.resolve(c.name() + "-image.png"), PngCodec.encode(input));
            Files.write(dir.resolve(c.name() + "-mask.png"), PngCodec.encode(hole));
            long start = System.nanoTime();
            Raster filled = fillLikeTheDaemon(patchMatch, input, hole, 1);
            atelierSeconds.put(c.name(), (System.nanoTime() - start) / 1e9);
            atelierResults.put(c.name(), filled);
            Files.write(dir.resolve(c.name() + "-patchmatch.png"), PngCodec.encode(filled));
        }
        Map<String, Double> referenceSeconds = runReferences(dir, shiftmap ? "telea,shiftmap" : "telea");

        System.out.println("content-fill test set (" + FillTestSet.CASES.size() + " photos, hole PSNR in dB, sharpness = hole Laplacian energy / ground truth's)");
        System.out.printf(Locale.ROOT, "%-15s %5s | %-24s | %-24s | %-24s%n", "case", "hole",
                "patchmatch psnr sharp s", "telea psnr sharp s", "shiftmap psnr sharp s");
        int psnrAtLeastShiftmap = 0, sharpInRange = 0;
        for (FillTestSet.Case c : FillTestSet.CASES) {
            Raster truth = truths.get(c.name());
            Mask hole = holes.get(c.name());
            Raster ours = atelierResults.get(c.name());
            double oursPsnr = FillTestSet.holePsnr(ours, truth, hole);
            double oursSharp = FillTestSet.sharpnessRatio(ours, truth, hole);
            String row = String.format(Locale.ROOT, "%-15s %4.1f%% | %6.2f %5.2f %8.3f      ", c.name(),
                    100 * FillTestSet.coverage(hole), oursPsnr, oursSharp, atelierSeconds.get(c.name()));
            sharpInRange += oursSharp >= 0.7 && oursSharp <= 1.4 ? 1 : 0;
            for (String method : shiftmap ? List.of("telea", "shiftmap") : List.of("telea")) {
                Raster ref = PngCodec.decodeRgba(Files.readAllBytes(dir.resolve(c.name() + "-" + method + ".png")), Long.MAX_VALUE);
                double psnr = FillTestSet.holePsnr(ref, truth, hole);
                row += String.format(Locale.ROOT, "| %6.2f %5.2f %8.3f      ", psnr, FillTestSet.sharpnessRatio(ref, truth, hole),
                        referenceSeconds.get(c.name() + "/" + method));
                if (method.equals("shiftmap") && oursPsnr >= psnr) {
                    psnrAtLeastShiftmap++;
                }
            }
            System.out.println(row);
        }
        System.out.printf("patchmatch sharpness within 0.7..1.4: %d of %d%n", sharpInRange, FillTestSet.CASES.size());
        if (shiftmap) {
            System.out.printf("patchmatch PSNR >= shiftmap: %d of %d%n", psnrAtLeastShiftmap, FillTestSet.CASES.size());
        }
        megapixelCase(patchMatch, dir);
        uncropCases(dir);
        System.out.println("pictures: " + dir);
    }

    /** The same path as ContentFill: crop the engine's context region, fill, blend inside the hole. */
    public static Raster fillLikeTheDaemon(FillEngine engine, Raster image, Mask hole, long seed) throws Exception {
        Bounds holeBounds = hole.bounds();
        Bounds context = engine.context().around(holeBounds, image.extent());
        Raster filled = engine.fill(image.crop(context), hole.crop(context), null, seed, Progress.NONE);
        Raster patch = Compositing.blendInside(image, filled.crop(holeBounds.relativeTo(context)), hole, holeBounds);
        Raster out = image.copy();
        out.paste(patch, holeBounds.x(), holeBounds.y());
        return out;
    }

    /** 1 Mpx photo (the astronaut scaled to 1024x1024) with a 10 percent hole: the speed target is 1 s. */
    private static void megapixelCase(PatchMatchFill patchMatch, Path dir) throws Exception {
        Raster small = FillTestSet.CASES.get(0).truth();
        Raster big = scaleTwice(small);
        int r = (int) Math.round(Math.sqrt(0.10 * big.extent().pixels() / Math.PI));
        Mask hole = FillTestSet.ellipse(big.extent(), 700, 330, r, r);
        Raster input = FillTestSet.withHole(big, hole);
        Files.write(dir.resolve("megapixel-image.png"), PngCodec.encode(input));
        Files.write(dir.resolve("megapixel-mask.png"), PngCodec.encode(hole));
        double best = Double.MAX_VALUE;
        for (int run = 0; run < 3; run++) {
            long start = System.nanoTime();
            fillLikeTheDaemon(patchMatch, input, hole, run);
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        long start = System.nanoTime();
        fillLikeTheDaemon(new TeleaFill(), input, hole, 0);
        double telea = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "1 Mpx, %.1f%% hole, %d cores: patchmatch %.3f s (best of 3), telea (Java, same run) %.3f s, ratio %.2f%n",
                100 * FillTestSet.coverage(hole), Runtime.getRuntime().availableProcessors(), best, telea, best / telea);
    }

    /**
     * Uncrop: each photo loses its right fifth, the outpaint operation grows it back, and the
     * new area is compared with what was cut off; Telea extending the same canvas is the reference.
     */
    private static void uncropCases(Path dir) throws Exception {
        System.out.println("uncrop: right 20% cut off and grown back (new-area PSNR dB, sharpness, seam step / step inside, s)");
        System.out.printf(Locale.ROOT, "%-15s | %-29s | %-29s%n", "photo", "patchmatch psnr sharp seam s", "telea psnr sharp seam s");
        Outpaint outpaint = new Outpaint(List.of(new PatchMatchFill()));
        Outpaint telea = new Outpaint(List.of(new TeleaFill()));
        for (FillTestSet.Case c : FillTestSet.CASES) {
            if (c != FillTestSet.CASES.stream().filter(o -> o.file().equals(c.file())).findFirst().orElseThrow()) {
                continue; // one row per photo
            }
            Raster truth = c.truth();
            int kept = truth.width() * 4 / 5;
            Raster cropped = truth.crop(new Bounds(0, 0, kept, truth.height()));
            Mask newArea = Mask.empty(truth.extent());
            for (int y = 0; y < truth.height(); y++) {
                for (int x = kept; x < truth.width(); x++) {
                    newArea.set(x, y, 255);
                }
            }
            String row = String.format(Locale.ROOT, "%-15s ", c.file().replace(".png", ""));
            for (Outpaint engine : List.of(outpaint, telea)) {
                EditOrder order = new EditOrder(Operation.OUTPAINT, cropped, null, null, "", "", 1, 1.0, null, 1,
                        EditOrder.AUTO, new Margins(0, truth.width() - kept, 0, 0), null, false, FlatsOutput.UNDERLAY, 4, null, DiffusionSettings.DEFAULTS);
                long start = System.nanoTime();
                Raster grown = engine.prepare(order).run(Progress.NONE).layers().get(0).pixels();
                double seconds = (System.nanoTime() - start) / 1e9;
                Files.write(dir.resolve("uncrop-" + c.file().replace(".png", "") + "-" + (engine == outpaint ? "patchmatch" : "telea") + ".png"),
                        PngCodec.encode(grown));
                row += String.format(Locale.ROOT, "| %6.2f %5.2f %5.2f %7.3f   ", FillTestSet.holePsnr(grown, truth, newArea),
                        FillTestSet.sharpnessRatio(grown, truth, newArea), seamRatio(grown, kept), seconds);
            }
            System.out.println(row);
        }
    }

    /** Colour step across the old border over the mean step between neighbouring columns nearby: 1 is seamless. */
    static double seamRatio(Raster r, int border) {
        double across = columnStep(r, border - 1, border);
        double around = 0;
        int count = 0;
        for (int x = Math.max(1, border - 24); x < Math.min(r.width() - 1, border + 24); x++) {
            if (x != border - 1) {
                around += columnStep(r, x, x + 1);
                count++;
            }
        }
        return across / Math.max(1e-9, around / count);
    }

    /** Mean absolute colour difference between two columns. */
    public static double columnStep(Raster r, int a, int b) {
        double sum = 0;
        for (int y = 0; y < r.height(); y++) {
            for (int c = 0; c < 3; c++) {
                sum += Math.abs(r.channel(a, y, c) - r.channel(b, y, c));
            }
        }
        return sum / (3.0 * r.height());
    }

    private static Raster scaleTwice(Raster small) {
        Raster big = Raster.blank(new Extent(small.width() * 2, small.height() * 2));
        for (int y = 0; y < big.height(); y++) {
            for (int x = 0; x < big.width(); x++) {
                for (int c = 0; c < 4; c++) {
                    big.rgba()[(y * big.width() + x) * 4 + c] = small.rgba()[((y / 2) * small.width() + x / 2) * 4 + c];
                }
            }
        }
        return big;
    }

    private static void warmUp(PatchMatchFill engine) throws Exception {
        Raster truth = FillTestSet.CASES.get(1).truth();
        Mask hole = FillTestSet.CASES.get(1).hole(truth.extent());
        fillLikeTheDaemon(engine, truth, hole, 99);
    }

    private static Map<String, Double> runReferences(Path dir, String methods) throws Exception {
        Process python = new ProcessBuilder("/usr/bin/python3", Path.of("src/test/python/fill_references.py").toAbsolutePath().toString(),
                dir.toString(), methods).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, Double> seconds = new HashMap<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                Matcher m = LINE.matcher(line);
                if (m.find()) {
                    seconds.put(m.group(1) + "/" + m.group(2), Double.parseDouble(m.group(3)));
                }
            }
        }
        if (python.waitFor() != 0) {
            throw new IllegalStateException("the reference fills failed: is python3-opencv installed? (apt-get install python3-opencv)");
        }
        return seconds;
    }
}
