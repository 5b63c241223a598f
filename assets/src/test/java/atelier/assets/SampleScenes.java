package atelier.assets;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Draws the sample pictures in assets/samples by code, so they are ours to ship and can be
 * redrawn. Run {@link #main} from the assets directory to rewrite them.
 */
public final class SampleScenes {

    static final int WIDTH = 640;
    static final int HEIGHT = 420;
    static final int BALL_X = 400;
    static final int BALL_Y = 300;
    static final int BALL_RADIUS = 38;

    private SampleScenes() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "samples");
        Files.createDirectories(dir);
        ImageIO.write(meadowWithBall(), "png", dir.resolve("meadow-ball.png").toFile());
        ImageIO.write(ballSelection(), "png", dir.resolve("meadow-ball-mask.png").toFile());
    }

    /** A sky, far hills and a grassy meadow with a red ball on it: the stray object to remove. */
    static BufferedImage meadowWithBall() {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_ARGB);
        SplittableRandom noise = new SplittableRandom(20261122L);
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                double hill = 170 + 22 * Math.sin(x / 57.0) + 9 * Math.sin(x / 17.0 + 1.3);
                int r, g, b;
                if (y < hill) {
                    double t = y / hill;
                    r = (int) (110 + 90 * t);
                    g = (int) (160 + 70 * t);
                    b = (int) (230 + 20 * t);
                } else {
                    double depth = (y - hill) / (HEIGHT - hill);
                    int grain = noise.nextInt(-28, 29);
                    int blade = ((x * 7 + y * 3) % 11 == 0) ? -25 : 0;
                    r = (int) (60 + 30 * depth) + grain / 2 + blade;
                    g = (int) (120 + 40 * (1 - depth)) + grain + blade;
                    b = (int) (40 + 10 * depth) + grain / 3;
                }
                double dx = x - BALL_X, dy = y - BALL_Y;
                double d = Math.sqrt(dx * dx + dy * dy);
                if (d <= BALL_RADIUS) {
                    // Lit from the top left: a bright spot fading to a dark rim.
                    double light = Math.max(0, 1 - Math.hypot(dx + 14, dy + 14) / (BALL_RADIUS * 1.6));
                    r = (int) (150 + 105 * light);
                    g = (int) (20 + 90 * light * light);
                    b = (int) (25 + 90 * light * light);
                } else if (Math.hypot(dx * 0.6, (dy - BALL_RADIUS) * 2.2) < BALL_RADIUS * 0.7 && dy > 0) {
                    r = r * 6 / 10;
                    g = g * 6 / 10;
                    b = b * 6 / 10;
                }
                image.setRGB(x, y, 0xFF000000 | clamp(r) << 16 | clamp(g) << 8 | clamp(b));
            }
        }
        return image;
    }

    /** The ball and its shadow, selected with a soft edge as a painter's feathered selection would be. */
    static BufferedImage ballSelection() {
        BufferedImage mask = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_BYTE_GRAY);
        double inner = BALL_RADIUS + 12;
        double feather = 5;
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                double d = Math.hypot((x - BALL_X) * 0.85, (y - BALL_Y - 6) * 0.9);
                int v = d <= inner ? 255 : d >= inner + feather ? 0 : (int) Math.round(255 * (inner + feather - d) / feather);
                mask.getRaster().setSample(x, y, 0, v);
            }
        }
        return mask;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
