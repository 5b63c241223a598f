package atelier.daemon.neural;

import static atelier.daemon.Shape.capsule;
import static atelier.daemon.Shape.circle;
import static atelier.daemon.Shape.intersection;
import static atelier.daemon.Shape.polygon;
import static atelier.daemon.Shape.rect;
import static atelier.daemon.Shape.ring;
import static atelier.daemon.Shape.roundedRect;
import static atelier.daemon.Shape.star;
import static atelier.daemon.Shape.union;

import atelier.daemon.Drawing.Paint;
import atelier.daemon.Drawing.Part;
import atelier.daemon.Drawing;
import atelier.daemon.Shape;
import atelier.daemon.classic.CutoutScenes.Scene;
import atelier.daemon.image.Extent;
import atelier.daemon.image.OpenCvNatives;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Objects drawn by code (so their alpha is known exactly, edges anti-aliased from 4x4
 * sub-samples) over the busy photographs of assets/testsets/fill (public domain and CC0):
 * gravel, grass, bricks, a cat's fur, a café, a launch pad. The picture is exactly
 * alpha x object + (1 - alpha) x photo. The embedded cutout engine refuses such borders.
 */
public final class BusyScenes {

    /** The long side: ISNet's own working size. */
    public static final int WIDTH = 1024;
    public static final int HEIGHT = 768;
    private static final int SUBSAMPLES = 4;



    private BusyScenes() {
    }

    public static List<Scene> all() {
        return List.of(ballOnGravel(), bottleOnGrass(), mugOnBricks(), starOnAstronaut(), iconOnCoffee(), vaseOnCat(),
                kiteOnRocket());
    }

    static Scene ballOnGravel() {
        return draw("ball-on-gravel", "gravel.png", List.of(new Part(circle(512, 384, 250), sphere(512, 384, 250, 210, 40, 40))));
    }

    static Scene bottleOnGrass() {
        Shape body = roundedRect(400, 250, 230, 440, 70);
        Shape neck = roundedRect(470, 110, 90, 170, 20);
        return draw("bottle-on-grass", "grass.png", List.of(
                new Part(neck, shaded(30, 110, 60, 515, 200, 120)),
                new Part(body, shaded(40, 140, 80, 515, 470, 260)),
                new Part(roundedRect(430, 380, 170, 150, 12), solid(240, 235, 215))));
    }

    static Scene mugOnBricks() {
        Shape cup = roundedRect(300, 220, 330, 380, 40);
        Shape handle = ring(650, 410, 120, 70);
        return draw("mug-with-handle-on-bricks", "brick.png", List.of(
                new Part(intersection(handle, rect(600, 200, 300, 500)), shaded(30, 90, 200, 700, 410, 150)),
                new Part(cup, shaded(40, 110, 220, 465, 410, 260))));
    }

    static Scene starOnAstronaut() {
        return draw("star-on-flag", "astronaut.png", new Rect(0, 0, 136, 102),
                List.of(new Part(star(512, 400, 320, 140, 5), shaded(250, 200, 30, 512, 400, 320))));
    }

    static Scene iconOnCoffee() {
        return draw("app-icon-on-table-wood", "coffee.png", new Rect(470, 0, 130, 98), List.of(
                new Part(roundedRect(300, 170, 430, 430, 90), shaded(220, 60, 120, 515, 385, 330)),
                new Part(union(circle(515, 330, 70), roundedRect(420, 410, 190, 110, 50)), solid(250, 250, 250))));
    }

    static Scene vaseOnCat() {
        Shape belly = circle(512, 470, 210);
        Shape neck = roundedRect(440, 120, 144, 240, 30);
        Shape lip = roundedRect(400, 100, 224, 50, 25);
        return draw("vase-on-cat-fur", "chelsea.png", List.of(
                new Part(union(belly, neck, lip), shaded(200, 110, 60, 512, 400, 300))));
    }

    static Scene kiteOnRocket() {
        Shape kite = polygon(new double[] {512, 760, 512, 264}, new double[] {80, 330, 700, 330});
        Shape tail = capsule(512, 690, 520, 760, 10);
        return draw("kite-on-launch-tower", "rocket.png", new Rect(0, 0, 120, 90), List.of(
                new Part(kite, shaded(230, 70, 40, 512, 380, 350)),
                new Part(union(capsule(512, 80, 512, 700, 7), capsule(264, 330, 760, 330, 7)), solid(60, 40, 30)),
                new Part(tail, solid(60, 40, 30))));
    }

    private static Scene draw(String name, String photo, List<Part> parts) {
        return draw(name, photo, null, parts);
    }

    /** @param crop the part of the photograph to use, or null for all of it */
    private static Scene draw(String name, String photo, Rect crop, List<Part> parts) {
        Raster backdrop = photo(photo, crop);
        byte[] back = backdrop.rgba();
        Paint photograph = (x, y) -> {
            int i = ((int) y * WIDTH + (int) x) * 4;
            return new int[] {back[i] & 0xff, back[i + 1] & 0xff, back[i + 2] & 0xff};
        };
        Drawing.Rendered drawn = Drawing.render(new Extent(WIDTH, HEIGHT), photograph, parts, SUBSAMPLES);
        return new Scene(name, drawn.picture(), drawn.alpha());
    }

    /** A test-set photograph (or a part of it) scaled to cover the scene and cropped to it. */
    static Raster photo(String file, Rect part) {
        Raster source;
        try (InputStream in = BusyScenes.class.getResourceAsStream("/atelier/testsets/fill/" + file)) {
            if (in == null) {
                throw new IllegalStateException("no test-set photo " + file + " on the class path");
            }
            source = PngCodec.decodeRgba(in.readAllBytes(), Long.MAX_VALUE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (PngCodec.BadPng e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
        Mat whole = OpenCvNatives.toMat(source);
        Mat full = part == null ? whole : new Mat(whole, part).clone();
        double scale = Math.max((double) WIDTH / full.cols(), (double) HEIGHT / full.rows());
        int w = (int) Math.ceil(full.cols() * scale), h = (int) Math.ceil(full.rows() * scale);
        Mat large = new Mat();
        Imgproc.resize(full, large, new Size(w, h), 0, 0, Imgproc.INTER_CUBIC);
        Mat crop = new Mat(large, new Rect((w - WIDTH) / 2, (h - HEIGHT) / 2, WIDTH, HEIGHT)).clone();
        Raster result = OpenCvNatives.toRaster(crop);
        whole.release();
        full.release();
        large.release();
        crop.release();
        return result;
    }

    private static Paint solid(int r, int g, int b) {
        int[] colour = {r, g, b};
        return (x, y) -> colour;
    }

    /** A matte colour lit from the upper left of a body centred at (cx, cy) with radius r. */
    private static Paint shaded(int r, int g, int b, double cx, double cy, double radius) {
        return (x, y) -> {
            double light = Math.max(0, 1 - Math.hypot(x - (cx - 0.4 * radius), y - (cy - 0.4 * radius)) / (1.6 * radius));
            double k = 0.55 + 0.55 * light;
            return new int[] {clamp(r * k), clamp(g * k), clamp(b * k)};
        };
    }

    /** A glossy ball: shaded, with a white highlight. */
    private static Paint sphere(double cx, double cy, double radius, int r, int g, int b) {
        Paint base = shaded(r, g, b, cx, cy, radius);
        return (x, y) -> {
            double d = Math.hypot(x - (cx - 0.35 * radius), y - (cy - 0.35 * radius)) / (0.25 * radius);
            int[] colour = base.at(x, y);
            double gloss = Math.max(0, 1 - d);
            return new int[] {clamp(colour[0] + (255 - colour[0]) * gloss), clamp(colour[1] + (255 - colour[1]) * gloss),
                    clamp(colour[2] + (255 - colour[2]) * gloss)};
        };
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** With -Datelier.busy.out=DIR, writes the scene and a cut-out of it there, to look at. */
    static void save(Scene scene, String engine, Raster cutout) throws IOException {
        String dir = System.getProperty("atelier.busy.out");
        if (dir == null) {
            return;
        }
        java.nio.file.Path out = java.nio.file.Path.of(dir);
        java.nio.file.Files.createDirectories(out);
        java.nio.file.Files.write(out.resolve(scene.name() + ".png"), PngCodec.encode(scene.picture()));
        java.nio.file.Files.write(out.resolve(scene.name() + "-" + engine + ".png"), PngCodec.encode(cutout));
    }

    /** Writes each scene and its true alpha as PNGs, to look at: BusyScenes DIR. */
    public static void main(String[] args) throws IOException {
        java.nio.file.Path dir = java.nio.file.Path.of(args.length > 0 ? args[0] : "target/busy-scenes");
        java.nio.file.Files.createDirectories(dir);
        List<String> names = new ArrayList<>();
        for (Scene scene : all()) {
            java.nio.file.Files.write(dir.resolve(scene.name() + ".png"), PngCodec.encode(scene.picture()));
            names.add(scene.name());
        }
        System.out.println("wrote " + names + " to " + dir);
    }
}
