package atelier.daemon.flats;

import atelier.daemon.image.Extent;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

/**
 * Line art drawn by other people, with its artist's own colours to score against: the OpenMoji
 * drawings of assets/testsets/lineart (CC BY-SA 4.0, see LICENSES.md there), rendered with
 * Debian's {@code rsvg-convert} at the size, line width and ink a case asks for, and hinted
 * the way a colourist hints: one small scribble per colour, inside that colour's largest part.
 *
 * @param lineArt  what the artist sends: the line layer
 * @param truth    the artist's colours, transparent outside the drawing (lines not drawn)
 * @param ink      per pixel, how much line covers it (0..255), whatever the ink's colour
 * @param drawn    the same before breaks were cut: the outline the artist drew, which says what is outside
 * @param hints    the scribbles, transparent elsewhere
 * @param palette  the hinted colours (0xRRGGBB), one scribble each
 */
public record RealLineArt(String name, Raster lineArt, Raster truth, byte[] ink, byte[] drawn, Raster hints,
                          List<Integer> palette, int gapClosing) {

    /** How the line layer looks. */
    public enum Ink { BLACK, GREY, COLOURED, SCANNED, TRANSPARENT }

    /**
     * One picture of the set: which drawing, its line width at 1 MP (twice that, at most 24, at
     * 4 MP), its ink, and how many breaks are cut into its lines (each {@link #BREAK} px long).
     */
    public record Case(String file, String what, int lineWidth, Ink ink, int breaks) {
    }

    /** Breaks cut into thin lines are this long; the gap closing asked for is a little wider. */
    static final int BREAK = 5;

    /** The set: line widths from thin to heavy, every kind of ink, breaks in the thin ones. */
    public static final List<Case> CASES = List.of(
            new Case("1F338", "cherry blossom", 3, Ink.BLACK, 3),
            new Case("1F33B", "sunflower", 4, Ink.GREY, 0),
            new Case("1F344", "mushroom", 6, Ink.SCANNED, 0),
            new Case("1F34E", "red apple", 24, Ink.BLACK, 0),
            new Case("1F353", "strawberry", 8, Ink.COLOURED, 0),
            new Case("1F3E0", "house", 4, Ink.TRANSPARENT, 2),
            new Case("1F40C", "snail", 12, Ink.BLACK, 0),
            new Case("1F41E", "lady beetle", 10, Ink.SCANNED, 0),
            new Case("1F41F", "fish", 14, Ink.BLACK, 0),
            new Case("1F420", "tropical fish", 5, Ink.GREY, 2),
            new Case("1F431", "cat face", 8, Ink.TRANSPARENT, 0),
            new Case("1F455", "t-shirt", 16, Ink.COLOURED, 0),
            new Case("1F600", "grinning face", 20, Ink.SCANNED, 0),
            new Case("1F697", "automobile", 6, Ink.BLACK, 2),
            new Case("1F98B", "butterfly", 2, Ink.BLACK, 0),
            new Case("2602", "umbrella", 10, Ink.GREY, 0));

    /** The paper of a scan: off-white, a little warm. */
    private static final int[] SCAN_PAPER = {244, 238, 222};

    public static RealLineArt render(Case c, int side) throws IOException, InterruptedException {
        OpenCvNatives.load();
        int width = side <= 1024 ? c.lineWidth() : Math.min(24, 2 * c.lineWidth());
        String black = svg("black", c.file());
        String colour = svg("color", c.file());
        String inkColour = switch (c.ink()) {
            case GREY -> "#6a6a6a";
            case COLOURED -> "#2a3f8f";
            default -> "#000000";
        };
        Extent extent = new Extent(side, side);
        byte[] ink = alpha(rendered(lineGroup(black, width, side, "#000000"), side));
        Raster lines = rendered(lineGroup(black, width, side, inkColour), side);
        Raster truth = rendered(colour.replaceAll("(?s)<g id=\"line\">.*</svg>", "</svg>"), side);
        int gapClosing = 4;
        byte[] drawn = ink.clone();
        if (c.breaks() > 0) {
            breakLines(lines, ink, c.breaks(), width, side, c.file().hashCode());
            gapClosing = BREAK + 2;
        }
        Raster lineArt = switch (c.ink()) {
            case TRANSPARENT -> lines;
            case SCANNED -> onPaper(lines, SCAN_PAPER, 6, c.file().hashCode());
            default -> onPaper(lines, new int[] {255, 255, 255}, 0, 0);
        };
        List<Integer> palette = new ArrayList<>();
        Raster hints = scribbles(truth, ink, extent, palette);
        return new RealLineArt(c.what() + " " + width + "px " + c.ink().name().toLowerCase(Locale.ROOT),
                lineArt, truth, ink, drawn, hints, List.copyOf(palette), gapClosing);
    }

    public Extent extent() {
        return lineArt.extent();
    }

    /** Pixels the artist coloured, fully, with no line over them: where the colour is scored. */
    public boolean scored(int i) {
        return (truth.rgba()[i * 4 + 3] & 0xFF) == 255 && ink[i] == 0;
    }

    /** The hinted colour a scored pixel should get: its true colour, or the nearest hinted one for edge blends. */
    public int expected(int i) {
        byte[] t = truth.rgba();
        int r = t[i * 4] & 0xFF, g = t[i * 4 + 1] & 0xFF, b = t[i * 4 + 2] & 0xFF;
        int best = palette.get(0);
        long bestDistance = Long.MAX_VALUE;
        for (int p : palette) {
            long dr = r - (p >> 16 & 0xFF), dg = g - (p >> 8 & 0xFF), db = b - (p & 0xFF);
            long distance = dr * dr + dg * dg + db * db;
            if (distance < bestDistance) {
                bestDistance = distance;
                best = p;
            }
        }
        return best;
    }

    /**
     * The outside: paper the artist left uncoloured and no line covers, joined to the canvas
     * border without crossing a line as drawn (breaks cut later do not let it in). Enclosed
     * uncoloured pockets are not outside and not scored.
     */
    public boolean[] outside() {
        int w = extent().width(), h = extent().height();
        boolean[] outside = new boolean[w * h];
        int[] stack = new int[w * h];
        int top = 0;
        for (int x = 0; x < w; x++) {
            top = push(x, top, stack, outside);
            top = push((h - 1) * w + x, top, stack, outside);
        }
        for (int y = 0; y < h; y++) {
            top = push(y * w, top, stack, outside);
            top = push(y * w + w - 1, top, stack, outside);
        }
        while (top > 0) {
            int i = stack[--top];
            int x = i % w, y = i / w;
            if (x > 0) top = push(i - 1, top, stack, outside);
            if (x + 1 < w) top = push(i + 1, top, stack, outside);
            if (y > 0) top = push(i - w, top, stack, outside);
            if (y + 1 < h) top = push(i + w, top, stack, outside);
        }
        return outside;
    }

    private int push(int i, int top, int[] stack, boolean[] seen) {
        // A break is a gap in the line, not a way in: what lies inside the drawn outline is not outside.
        if (seen[i] || truth.rgba()[i * 4 + 3] != 0 || drawn[i] != 0) {
            return top;
        }
        seen[i] = true;
        stack[top] = i;
        return top + 1;
    }

    private static String svg(String folder, String file) throws IOException {
        String path = "/atelier/testsets/lineart/" + folder + "/" + file + ".svg";
        try (InputStream in = RealLineArt.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException(path + " is not on the class path (assets/testsets/lineart)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The line group with every stroke {@code width} pixels wide at this size, in one ink (filled dots too). */
    private static String lineGroup(String svg, int width, int side, String ink) {
        String strokeWidth = String.format(Locale.ROOT, "stroke-width=\"%.4f\"", width * 72.0 / side);
        return svg.replaceAll("stroke-width=\"[0-9.]+\"", strokeWidth)
                .replace("stroke=\"#000\"", "stroke=\"" + ink + "\"")
                .replace("<g id=\"line\">", "<g id=\"line\" fill=\"" + ink + "\">");
    }

    private static Raster rendered(String svg, int side) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("atelier-lineart");
        try {
            Path in = dir.resolve("in.svg");
            Path out = dir.resolve("out.png");
            Files.writeString(in, svg);
            Process process;
            try {
                process = new ProcessBuilder("rsvg-convert", "-w", Integer.toString(side), "-h", Integer.toString(side),
                        "-o", out.toString(), in.toString()).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IOException("rsvg-convert renders the line-art test set: apt-get install librsvg2-bin", e);
            }
            String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("rsvg-convert failed: " + said);
            }
            return PngCodec.decodeRgba(Files.readAllBytes(out), (long) side * side);
        } catch (PngCodec.BadPng e) {
            throw new IOException(e);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static byte[] alpha(Raster raster) {
        byte[] alpha = new byte[Math.toIntExact(raster.extent().pixels())];
        for (int i = 0; i < alpha.length; i++) {
            alpha[i] = raster.rgba()[i * 4 + 3];
        }
        return alpha;
    }

    /**
     * Cuts {@code count} breaks across solid parts of the lines, as a quick inker leaves them:
     * a square {@link #BREAK} px along the line and wider than it, erased from the line layer
     * and from the ink coverage.
     */
    private static void breakLines(Raster lines, byte[] ink, int count, int width, int side, long seed) {
        Random random = new Random(seed);
        byte[] rgba = lines.rgba();
        int half = width / 2 + 2;
        for (int made = 0, tries = 0; made < count && tries < 100_000; tries++) {
            int x = half + random.nextInt(side - 2 * half), y = half + random.nextInt(side - 2 * half);
            if ((ink[y * side + x] & 0xFF) < 255) {
                continue;
            }
            // Along the line: the direction in which the ink goes on furthest.
            boolean horizontal = run(ink, side, x, y, 1, 0) >= run(ink, side, x, y, 0, 1);
            if (Math.min(run(ink, side, x, y, 1, 0), run(ink, side, x, y, 0, 1)) > width + 1) {
                continue;
            }
            for (int a = -BREAK / 2; a <= BREAK / 2; a++) {
                for (int b = -half; b <= half; b++) {
                    int px = horizontal ? x + a : x + b, py = horizontal ? y + b : y + a;
                    int i = py * side + px;
                    ink[i] = 0;
                    rgba[i * 4 + 3] = 0;
                }
            }
            made++;
        }
    }

    private static int run(byte[] ink, int side, int x, int y, int dx, int dy) {
        int n = 0;
        while (x >= 0 && y >= 0 && x < side && y < side && (ink[y * side + x] & 0xFF) > 0) {
            x += dx;
            y += dy;
            n++;
        }
        return n;
    }

    /** The line layer composited on paper, with a scanner's grain when {@code grain} > 0. */
    private static Raster onPaper(Raster lines, int[] paper, int grain, long seed) {
        Random random = new Random(seed);
        byte[] in = lines.rgba();
        Raster out = Raster.blank(lines.extent());
        byte[] px = out.rgba();
        for (int i = 0; i < in.length; i += 4) {
            int a = in[i + 3] & 0xFF;
            int noise = grain > 0 ? (int) Math.round(random.nextGaussian() * grain / 2.0) : 0;
            for (int c = 0; c < 3; c++) {
                int v = ((in[i + c] & 0xFF) * a + paper[c] * (255 - a)) / 255 + noise;
                px[i + c] = (byte) Math.max(0, Math.min(255, v));
            }
            px[i + 3] = (byte) 255;
        }
        return out;
    }

    /** Colours covering at least this share of the coloured pixels get a scribble; less is edge blending. */
    private static final double HINTED_SHARE = 0.004;

    /**
     * One scribble per colour: a short zigzag around the point of that colour's largest part
     * that is furthest from its edges, kept inside the part (a colourist does not scribble over
     * the lines), a few pixels thick.
     */
    private static Raster scribbles(Raster truth, byte[] ink, Extent extent, List<Integer> palette) {
        int w = extent.width(), h = extent.height(), n = w * h;
        byte[] t = truth.rgba();
        Map<Integer, Integer> counts = new HashMap<>();
        int coloured = 0;
        for (int i = 0; i < n; i++) {
            if ((t[i * 4 + 3] & 0xFF) == 255 && ink[i] == 0) {
                counts.merge(rgb(t, i), 1, Integer::sum);
                coloured++;
            }
        }
        int minimum = (int) Math.ceil(coloured * HINTED_SHARE);
        counts.entrySet().stream().filter(e -> e.getValue() >= minimum).map(Map.Entry::getKey).sorted().forEach(palette::add);
        Raster hints = Raster.blank(extent);
        int thickness = Math.max(3, w / 256);
        for (int colour : palette) {
            byte[] mask = new byte[n];
            for (int i = 0; i < n; i++) {
                if ((t[i * 4 + 3] & 0xFF) == 255 && ink[i] == 0 && rgb(t, i) == colour) {
                    mask[i] = (byte) 255;
                }
            }
            scribble(mask, w, h, thickness, colour, hints);
        }
        return hints;
    }

    private static void scribble(byte[] mask, int w, int h, int thickness, int colour, Raster hints) {
        Mat part = new Mat(h, w, CvType.CV_8UC1);
        Mat labels = new Mat();
        Mat stats = new Mat();
        Mat centroids = new Mat();
        Mat largest = new Mat();
        Mat distance = new Mat();
        Mat stroke = Mat.zeros(h, w, CvType.CV_8UC1);
        try {
            part.put(0, 0, mask);
            int found = Imgproc.connectedComponentsWithStats(part, labels, stats, centroids, 8, CvType.CV_32S);
            int biggest = 1;
            for (int p = 2; p < found; p++) {
                if (stats.get(p, Imgproc.CC_STAT_AREA)[0] > stats.get(biggest, Imgproc.CC_STAT_AREA)[0]) {
                    biggest = p;
                }
            }
            Core.compare(labels, new Scalar(biggest), largest, Core.CMP_EQ);
            Imgproc.distanceTransform(largest, distance, Imgproc.DIST_L2, 5);
            Core.MinMaxLocResult far = Core.minMaxLoc(distance);
            double reach = Math.max(2, Math.min(far.maxVal * 0.7, w * 0.03));
            double rise = Math.max(1, Math.min(far.maxVal * 0.3, w * 0.01));
            Point c = far.maxLoc;
            List<Point> zigzag = List.of(new Point(c.x - reach, c.y + rise), new Point(c.x - reach / 3, c.y - rise),
                    new Point(c.x + reach / 3, c.y + rise), new Point(c.x + reach, c.y - rise));
            Imgproc.polylines(stroke, List.of(new MatOfPoint(zigzag.toArray(new Point[0]))), false, new Scalar(255),
                    thickness);
            Core.bitwise_and(stroke, largest, stroke);
            byte[] marks = new byte[w * h];
            stroke.get(0, 0, marks);
            byte[] px = hints.rgba();
            for (int i = 0; i < marks.length; i++) {
                if (marks[i] != 0) {
                    px[i * 4] = (byte) (colour >> 16);
                    px[i * 4 + 1] = (byte) (colour >> 8);
                    px[i * 4 + 2] = (byte) colour;
                    px[i * 4 + 3] = (byte) 255;
                }
            }
        } finally {
            part.release();
            labels.release();
            stats.release();
            centroids.release();
            largest.release();
            distance.release();
            stroke.release();
        }
    }

    static int rgb(byte[] rgba, int i) {
        return ((rgba[i * 4] & 0xFF) << 16) | ((rgba[i * 4 + 1] & 0xFF) << 8) | (rgba[i * 4 + 2] & 0xFF);
    }
}
