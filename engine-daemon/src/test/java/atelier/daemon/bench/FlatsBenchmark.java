package atelier.daemon.bench;

import atelier.daemon.classic.LineArtFlats;
import atelier.daemon.flats.BucketFill;
import atelier.daemon.flats.FlatsScore;
import atelier.daemon.flats.LineArtScene;
import atelier.daemon.flats.RealLineArt;
import atelier.daemon.flats.LineArtScene.Ink;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import java.util.List;
import java.util.Locale;

/**
 * Flats on generated line art with known true colours: Atelier's engine (one hint dab per
 * region; region recovery from its automatic palette) against a bucket tool's flood fill
 * from the same dabs, measured in the same run. Run with `./bench flats`.
 */
public final class FlatsBenchmark {

    private static final int GAP_CLOSING = 4;
    private static final int GAP_WIDTH = 3;

    private record Case(String name, int width, int height, Ink ink) {
    }

    public static void main(String[] args) throws Exception {
        LineArtFlats engine = new LineArtFlats();
        warmUp(engine);
        java.nio.file.Path save = args.length > 0 ? java.nio.file.Path.of(args[0]) : null;
        realLineArt(engine, 1024, save);
        realLineArt(engine, 2048, save);
        synthetic(engine);
    }

    /**
     * The OpenMoji set (see RealLineArt): one scribble per colour, scored over the artist's
     * coloured pixels, the outside checked empty, beside a bucket click per scribble.
     */
    private static void realLineArt(LineArtFlats engine, int side, java.nio.file.Path save) throws Exception {
        System.out.printf(Locale.ROOT, "%nreal line art (OpenMoji, CC BY-SA 4.0) at %dx%d, one scribble per colour%n", side, side);
        System.out.printf(Locale.ROOT, "%-34s %7s | %9s %9s %9s | %9s %9s %9s | %7s%n", "picture", "colours",
                "flats ms", "accuracy", "outside", "bucket ms", "accuracy", "outside", "ratio");
        double sum = 0, bucketSum = 0;
        int emptyOutside = 0;
        for (RealLineArt.Case c : RealLineArt.CASES) {
            if (!System.getProperty("flats.only", c.file()).contains(c.file())) {
                continue;
            }
            RealLineArt art = RealLineArt.render(c, side);
            long start = System.nanoTime();
            Raster flats = engine.plan(art.lineArt(), art.hints(), art.gapClosing()).paint(List.of(1L), Progress.NONE)
                    .variants().get(0);
            long nanos = System.nanoTime() - start;
            BucketFill.Result bucket = BucketFill.fromHints(art.lineArt(), art.hints());
            double accuracy = FlatsScore.accuracy(flats, art), outside = FlatsScore.outsideEmpty(flats, art);
            double bucketAccuracy = FlatsScore.accuracy(bucket.flats(), art);
            sum += accuracy;
            bucketSum += bucketAccuracy;
            emptyOutside += outside >= FlatsScore.OUTSIDE_EMPTY ? 1 : 0;
            System.out.printf(Locale.ROOT, "%-34s %7d | %9.0f %9.4f %9.4f | %9.0f %9.4f %9.4f | %7.1f%n", art.name(),
                    art.palette().size(), nanos / 1e6, accuracy, outside, bucket.nanos() / 1e6, bucketAccuracy,
                    FlatsScore.outsideEmpty(bucket.flats(), art), (double) nanos / bucket.nanos());
            if (save != null) {
                java.nio.file.Files.createDirectories(save);
                String base = c.file() + "-" + side;
                java.nio.file.Files.write(save.resolve(base + "-lines.png"), atelier.daemon.image.PngCodec.encode(art.lineArt()));
                java.nio.file.Files.write(save.resolve(base + "-hints.png"), atelier.daemon.image.PngCodec.encode(art.hints()));
                java.nio.file.Files.write(save.resolve(base + "-flats.png"), atelier.daemon.image.PngCodec.encode(flats));
                java.nio.file.Files.write(save.resolve(base + "-truth.png"), atelier.daemon.image.PngCodec.encode(art.truth()));
                Raster palette = engine.plan(art.lineArt(), null, art.gapClosing()).paint(List.of(1L), Progress.NONE)
                        .variants().get(0);
                java.nio.file.Files.write(save.resolve(base + "-palette.png"), atelier.daemon.image.PngCodec.encode(palette));
            }
        }
        int n = RealLineArt.CASES.size();
        System.out.printf(Locale.ROOT, "mean accuracy: flats %.4f, bucket %.4f; outside empty (at least %.3f of it"
                + " transparent) on %d of %d pictures%n", sum / n, bucketSum / n, FlatsScore.OUTSIDE_EMPTY, emptyOutside, n);
    }

    private static void synthetic(LineArtFlats engine) throws Exception {
        List<Case> cases = List.of(
                new Case("shapes 512 black", 512, 512, Ink.BLACK),
                new Case("shapes 512 grey", 512, 512, Ink.GREY),
                new Case("shapes 512 coloured", 512, 512, Ink.COLOURED),
                new Case("shapes 512 scanned", 512, 512, Ink.SCANNED),
                new Case("shapes 512 transparent", 512, 512, Ink.TRANSPARENT),
                new Case("shapes 1 MP black", 1024, 1024, Ink.BLACK),
                new Case("shapes 4 MP scanned", 2048, 2048, Ink.SCANNED),
                new Case("shapes 4 MP black", 2048, 2048, Ink.BLACK));
        System.out.printf(Locale.ROOT, "%nsynthetic line art, gapClosing %d px, %d-px gaps cut in the lines, %d cores%n", GAP_CLOSING, GAP_WIDTH,
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-24s %8s | %9s %9s %9s %9s | %9s %9s %9s %9s | %7s%n", "line art", "regions",
                "flats ms", "acc all", "acc off", "recovery", "bucket ms", "acc all", "acc off", "recovery", "ratio");
        for (Case c : cases) {
            LineArtScene scene = LineArtScene.shapes(c.width(), c.height(), 42, Math.max(12, c.width() / 16), GAP_WIDTH);
            Raster art = scene.lineArt(c.ink(), 7);
            Raster hints = scene.hints();
            long start = System.nanoTime();
            Raster flats = flats(engine, art, hints, 1);
            long flatsNanos = System.nanoTime() - start;
            Raster palette = flats(engine, art, null, 1);
            BucketFill.Result bucket = BucketFill.fill(art, scene);
            System.out.printf(Locale.ROOT, "%-24s %8d | %9.0f %9.4f %9.4f %9.3f | %9.0f %9.4f %9.4f %9.3f | %7.1f%n",
                    c.name(), scene.regionCount(),
                    flatsNanos / 1e6, FlatsScore.accuracy(flats, scene), FlatsScore.accuracyOffLines(flats, scene),
                    FlatsScore.regionRecovery(FlatsScore.coloursAsSegments(palette), scene),
                    bucket.nanos() / 1e6, FlatsScore.accuracy(bucket.flats(), scene),
                    FlatsScore.accuracyOffLines(bucket.flats(), scene), FlatsScore.regionRecovery(bucket.segment(), scene),
                    (double) flatsNanos / bucket.nanos());
        }
        System.out.println("acc all: share of all pixels with the true colour, line pixels included; acc off: pixels no line"
                + " touches; recovery: true regions found as one region (flats: automatic palette, no hints);"
                + " ratio: flats time / bucket time");
    }

    private static Raster flats(LineArtFlats engine, Raster art, Raster hints, long seed) throws Exception {
        return engine.plan(art, hints, GAP_CLOSING).paint(List.of(seed), Progress.NONE).variants().get(0);
    }

    private static void warmUp(LineArtFlats engine) throws Exception {
        LineArtScene scene = LineArtScene.shapes(512, 512, 1, 10, GAP_WIDTH);
        for (int i = 0; i < 3; i++) {
            flats(engine, scene.lineArt(Ink.BLACK, 1), scene.hints(), 1);
        }
    }
}
