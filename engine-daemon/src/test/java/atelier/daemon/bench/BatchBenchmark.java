package atelier.daemon.bench;

import atelier.daemon.DaemonFixture;
import atelier.daemon.image.Mask;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import atelier.daemon.server.Limits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * A designer's batch: 20 pictures of about 1 MP, content-fill of the same selection, against
 * one running daemon. Side by side in one run: `atelier fill` called once per picture (a JVM
 * each, as a shell loop does) and one `atelier batch fill`. Run with `./bench batch [COUNT]`.
 */
public final class BatchBenchmark {

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path work = Files.createTempDirectory("atelier-batch-bench");
        Path in = Files.createDirectories(work.resolve("in"));
        Path perPicture = Files.createDirectories(work.resolve("one-by-one"));
        Path batched = Files.createDirectories(work.resolve("batch"));
        Path mask = work.resolve("mask.png");
        megapixel(in, mask, count);
        int workers = Runtime.getRuntime().availableProcessors();
        try (DaemonFixture fixture = new DaemonFixture(work.resolve("home"), Limits.DEFAULT, workers)) {
            String port = String.valueOf(fixture.daemon.port());
            String home = work.resolve("home").toString();
            atelier(home, List.of("fill", "--image", in.resolve("p00.png").toString(), "--mask", mask.toString(), "--out",
                    work.resolve("warm.png").toString(), "--port", port));
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                String name = String.format(Locale.ROOT, "p%02d.png", i);
                atelier(home, List.of("fill", "--image", in.resolve(name).toString(), "--mask", mask.toString(), "--out",
                        perPicture.resolve(name).toString(), "--port", port));
            }
            double oneByOne = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            atelier(home, List.of("batch", "fill", "--images", in.toString(), "--mask", mask.toString(), "--out", batched.toString(),
                    "--port", port));
            double batch = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "%d pictures of %s, content-fill, daemon with %d workers on %d cores%n", count,
                    PngCodec.peekExtent(Files.readAllBytes(in.resolve("p00.png"))), workers,
                    Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "%-28s %8s %14s%n", "", "seconds", "pictures / s");
            System.out.printf(Locale.ROOT, "%-28s %8.1f %14.2f%n", "atelier fill per picture", oneByOne, count / oneByOne);
            System.out.printf(Locale.ROOT, "%-28s %8.1f %14.2f%n", "atelier batch fill", batch, count / batch);
            System.out.printf(Locale.ROOT, "batch / per picture: %.2fx the pictures a second%n", oneByOne / batch);
        }
    }

    /** The meadow sample at about 1 MP (1250x820), and its selection, as `count` pictures. */
    private static void megapixel(Path in, Path mask, int count) throws Exception {
        OpenCvNatives.load();
        Raster meadow = PngCodec.decodeRgba(DaemonFixture.sample("meadow-ball.png"), Long.MAX_VALUE);
        Mask ball = PngCodec.decodeMask(DaemonFixture.sample("meadow-ball-mask.png"), Long.MAX_VALUE);
        Size size = new Size(1250, 820);
        Mat picture = OpenCvNatives.toMat(meadow);
        Mat big = new Mat();
        Imgproc.resize(picture, big, size, 0, 0, Imgproc.INTER_CUBIC);
        byte[] png = PngCodec.encode(OpenCvNatives.toRaster(big));
        Mat selection = new Mat(ball.extent().height(), ball.extent().width(), org.opencv.core.CvType.CV_8UC1);
        selection.put(0, 0, ball.values());
        Mat bigSelection = new Mat();
        Imgproc.resize(selection, bigSelection, size, 0, 0, Imgproc.INTER_LINEAR);
        byte[] values = new byte[1250 * 820];
        bigSelection.get(0, 0, values);
        Files.write(mask, PngCodec.encode(Mask.wrap(new atelier.daemon.image.Extent(1250, 820), values)));
        for (int i = 0; i < count; i++) {
            Files.write(in.resolve(String.format(Locale.ROOT, "p%02d.png", i)), png);
        }
        for (Mat m : new Mat[] {picture, big, selection, bigSelection}) {
            m.release();
        }
    }

    /** One `atelier` command in its own JVM, as a shell runs it, against the daemon in this home. */
    private static void atelier(String home, List<String> words) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "atelier.bridge.cli.AtelierCommand"));
        command.addAll(words);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("ATELIER_HOME", home);
        Process process = builder.start();
        String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", words) + " failed:\n" + said);
        }
    }
}
