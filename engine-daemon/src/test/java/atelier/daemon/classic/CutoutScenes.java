package atelier.daemon.classic;

import static atelier.daemon.Shape.capsule;
import static atelier.daemon.Shape.circle;
import static atelier.daemon.Shape.intersection;
import static atelier.daemon.Shape.polygon;
import static atelier.daemon.Shape.rect;
import static atelier.daemon.Shape.ring;
import static atelier.daemon.Shape.roundedRect;
import static atelier.daemon.Shape.star;
import static atelier.daemon.Shape.union;

import atelier.daemon.Drawing;
import atelier.daemon.Drawing.Paint;
import atelier.daemon.Drawing.Part;
import atelier.daemon.Shape;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Raster;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Pictures for cut-out tests, drawn by code over a backdrop so their true alpha is known:
 * each pixel is 4x4 sub-samples, so edges are anti-aliased as a renderer would draw them,
 * and the picture is exactly alpha x object + (1 - alpha) x backdrop.
 */
public final class CutoutScenes {

    /** A picture and the alpha (0..1 a pixel) a perfect cut-out gives it. */
    public record Scene(String name, Raster picture, float[] alpha) {
    }


    private static final int WIDTH = 320;
    private static final int HEIGHT = 240;
    private static final int SUBSAMPLES = 4;

    private CutoutScenes() {
    }

    public static List<Scene> all() {
        return List.of(iconsOnWhite(), productOnGradient(), popupOnGradient(), strokesOnPaper(), objectTouchingTheBorder(),
                iconsOnPaper());
    }

    public static Scene iconsOnWhite() {
        return draw("icons-on-white", plain(255, 255, 255), List.of(
                new Part(roundedRect(40, 50, 110, 110, 22), solid(40, 90, 200)),
                new Part(star(95, 105, 40, 17, 5), solid(255, 214, 80)),
                new Part(circle(150, 55, 20), solid(220, 50, 50)),
                new Part(polygon(new double[] {200, 290, 245}, new double[] {190, 190, 90}), solid(40, 160, 90))));
    }

    /** A bottle with a soft highlight, on a studio backdrop that darkens toward the floor. */
    public static Scene productOnGradient() {
        Paint body = (x, y) -> {
            double glow = Math.max(0, 1 - Math.hypot(x - 140, y - 110) / 45);
            return mix(new int[] {175, 35, 45}, new int[] {245, 160, 160}, glow * glow);
        };
        return draw("product-on-gradient", (x, y) -> mix(new int[] {236, 236, 240}, new int[] {150, 150, 160}, y / HEIGHT),
                List.of(new Part(roundedRect(115, 70, 90, 150, 30), body),
                        new Part(roundedRect(140, 35, 40, 40, 8), solid(40, 40, 45))));
    }

    /** A dialog window: frame line, title bar, light body, a button. */
    public static Scene popupOnGradient() {
        return draw("popup-on-gradient",
                (x, y) -> mix(new int[] {90, 130, 190}, new int[] {200, 170, 220}, (x / WIDTH + y / HEIGHT) / 2),
                List.of(new Part(roundedRect(60, 40, 200, 150, 10), solid(80, 80, 90)),
                        new Part(roundedRect(61.5, 41.5, 197, 147, 8.5), solid(236, 238, 244)),
                        new Part(intersection(roundedRect(61.5, 41.5, 197, 147, 8.5), rect(60, 40, 200, 26)), solid(60, 100, 180)),
                        new Part(roundedRect(180, 150, 64, 26, 6), solid(40, 140, 80))));
    }

    /** Bold ink letters T, O and A on paper; the O's inside is paper. */
    public static Scene strokesOnPaper() {
        double w = 4.5;
        return draw("strokes-on-paper", paper(7), List.of(
                new Part(union(capsule(40, 70, 110, 70, w), capsule(75, 70, 75, 175, w)), solid(30, 30, 60)),
                new Part(ring(165, 122, 50, 41), solid(30, 30, 60)),
                new Part(union(capsule(230, 175, 262, 70, w), capsule(262, 70, 294, 175, w), capsule(243, 135, 281, 135, w)),
                        solid(30, 30, 60))));
    }

    /** A disc cut by the left edge and a bar running off the bottom: the border is not all background. */
    public static Scene objectTouchingTheBorder() {
        return draw("object-touching-the-border", plain(255, 255, 255), List.of(
                new Part(circle(-10, 110, 100), solid(240, 140, 30)),
                new Part(roundedRect(200, 120, 60, 200, 14), solid(70, 70, 160))));
    }

    /**
     * A glossy ball whose highlight burns out to the backdrop's own white: no colour tells
     * the highlight from a hole, only the artist's keep mask can.
     */
    public static Scene ballWithWhiteHighlightOnWhite() {
        return draw("ball-with-white-highlight", plain(255, 255, 255), List.of(
                new Part(circle(160, 120, 80), solid(30, 120, 200)),
                new Part(circle(135, 95, 22), solid(255, 255, 255))));
    }

    public static Scene iconsOnPaper() {
        return draw("icons-on-paper", paper(11), List.of(
                new Part(star(80, 110, 55, 24, 5), solid(200, 60, 40)),
                new Part(circle(190, 90, 38), solid(50, 120, 190)),
                new Part(roundedRect(220, 140, 70, 70, 16), solid(60, 150, 70)),
                new Part(circle(255, 175, 14), solid(250, 240, 210))));
    }

    private static Scene draw(String name, Paint backdrop, List<Part> parts) {
        Drawing.Rendered drawn = Drawing.render(new Extent(WIDTH, HEIGHT), backdrop, parts, SUBSAMPLES);
        return new Scene(name, drawn.picture(), drawn.alpha());
    }

    private static Paint plain(int r, int g, int b) {
        int[] colour = {r, g, b};
        return (x, y) -> colour;
    }

    private static Paint solid(int r, int g, int b) {
        int[] colour = {r, g, b};
        return (x, y) -> colour;
    }

    /** Cream paper: soft blotches a few levels deep and a fine grain. */
    private static Paint paper(long seed) {
        Random random = new Random(seed);
        int cell = 16;
        double[][] blotch = new double[HEIGHT / cell + 2][WIDTH / cell + 2];
        for (double[] row : blotch) {
            for (int i = 0; i < row.length; i++) {
                row[i] = random.nextDouble() * 12 - 6;
            }
        }
        double[][] grain = new double[HEIGHT][WIDTH];
        for (double[] row : grain) {
            for (int i = 0; i < row.length; i++) {
                row[i] = random.nextDouble() * 4 - 2;
            }
        }
        return (x, y) -> {
            double gx = x / cell, gy = y / cell;
            int cx = (int) gx, cy = (int) gy;
            double fx = gx - cx, fy = gy - cy;
            double b = blotch[cy][cx] * (1 - fx) * (1 - fy) + blotch[cy][cx + 1] * fx * (1 - fy)
                    + blotch[cy + 1][cx] * (1 - fx) * fy + blotch[cy + 1][cx + 1] * fx * fy;
            double shade = b + grain[Math.min(HEIGHT - 1, (int) y)][Math.min(WIDTH - 1, (int) x)];
            return new int[] {clamp(244 + shade), clamp(239 + shade), clamp(226 + shade)};
        };
    }

    private static int[] mix(int[] from, int[] to, double t) {
        int[] out = new int[3];
        for (int c = 0; c < 3; c++) {
            out[c] = clamp(from[c] + (to[c] - from[c]) * t);
        }
        return out;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** sum(min(a, t)) / sum(max(a, t)) over alpha in 0..1: 1 for a perfect cut. */
    public static double alphaIou(Raster cutout, float[] truth) {
        double both = 0, either = 0;
        for (int i = 0; i < truth.length; i++) {
            double a = (cutout.rgba()[i * 4 + 3] & 0xFF) / 255.0;
            both += Math.min(a, truth[i]);
            either += Math.max(a, truth[i]);
        }
        return either == 0 ? 1 : both / either;
    }
}
