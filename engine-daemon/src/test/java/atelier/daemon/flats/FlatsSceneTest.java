package atelier.daemon.flats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import atelier.daemon.image.Raster;
import java.util.ArrayDeque;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The generated scenes are fair: the artist's one hint per region reaches every region the lines enclose. */
class FlatsSceneTest {

    /**
     * Every piece of one colour that the lines close off (bigger than a sliver at a line end)
     * holds exactly one hint colour, its own. At 1 MP two shapes nearly touch and the lines
     * ink over the sliver that joined the background's lower right to the rest of it.
     */
    @ParameterizedTest
    @ValueSource(ints = {512, 1024, 2048})
    void everyEnclosedPieceHoldsAHintOfItsOwnColour(int size) {
        LineArtScene scene = LineArtScene.shapes(size, size, 42, Math.max(12, size / 16), 3);
        byte[] truth = scene.truth().rgba();
        byte[] hints = scene.hints().rgba();
        int n = scene.coverage().length;
        boolean[] seen = new boolean[n];
        int unhinted = 0;
        StringBuilder where = new StringBuilder();
        for (int start = 0; start < n; start++) {
            if (seen[start] || scene.underLine(start)) {
                continue;
            }
            int area = 0, hinted = 0;
            ArrayDeque<Integer> stack = new ArrayDeque<>();
            stack.push(start);
            seen[start] = true;
            while (!stack.isEmpty()) {
                int i = stack.pop();
                area++;
                if (hints[i * 4 + 3] != 0 && sameRgb(hints, truth, i)) {
                    hinted++;
                }
                int x = i % size;
                for (int j : new int[] {x > 0 ? i - 1 : -1, x + 1 < size ? i + 1 : -1, i - size, i + size}) {
                    if (j >= 0 && j < n && !seen[j] && !scene.underLine(j) && sameRgb(truth, truth, i, j)) {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
            if (area >= LineArtScene.SHAPE_AREA && hinted == 0) {
                unhinted++;
                where.append(' ').append(start % size).append(',').append(start / size).append(" (").append(area).append(" px)");
            }
        }
        assertEquals(0, unhinted, "pieces with no hint at" + where);
    }

    private static boolean sameRgb(byte[] a, byte[] b, int i) {
        return sameRgb(a, b, i, i);
    }

    private static boolean sameRgb(byte[] a, byte[] b, int i, int j) {
        return a[i * 4] == b[j * 4] && a[i * 4 + 1] == b[j * 4 + 1] && a[i * 4 + 2] == b[j * 4 + 2];
    }
}
