package atelier.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The committed samples are exactly what SampleScenes draws, so anyone can redraw them. */
class SampleScenesTest {

    @Test
    void committedMeadowMatchesItsDrawing() throws IOException {
        assertSamePixels(SampleScenes.meadowWithBall(), load("meadow-ball.png"));
    }

    @Test
    void committedSelectionMatchesItsDrawingAndHasASoftEdge() throws IOException {
        BufferedImage mask = load("meadow-ball-mask.png");
        assertSamePixels(SampleScenes.ballSelection(), mask);
        boolean soft = false;
        for (int x = 0; x < mask.getWidth() && !soft; x++) {
            int v = mask.getRaster().getSample(x, SampleScenes.BALL_Y + 6, 0);
            soft = v > 0 && v < 255;
        }
        assertEquals(true, soft, "the selection should keep a soft edge");
    }

    private static BufferedImage load(String name) throws IOException {
        try (InputStream in = SampleScenesTest.class.getResourceAsStream("/atelier/samples/" + name)) {
            assertNotNull(in, name + " is missing from assets/samples");
            return ImageIO.read(in);
        }
    }

    private static void assertSamePixels(BufferedImage expected, BufferedImage actual) {
        assertEquals(expected.getWidth(), actual.getWidth());
        assertEquals(expected.getHeight(), actual.getHeight());
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                assertEquals(expected.getRGB(x, y), actual.getRGB(x, y), "pixel " + x + "," + y);
            }
        }
    }
}
