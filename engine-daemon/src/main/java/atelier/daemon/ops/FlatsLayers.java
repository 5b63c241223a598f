package atelier.daemon.ops;

import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.LayerRole;
import atelier.daemon.image.Bounds;
import atelier.daemon.image.Compositing;
import atelier.daemon.image.Raster;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/** Turns a flat-colour picture into the layers the artist asked for (see {@link FlatsOutput}). */
final class FlatsLayers {

    private FlatsLayers() {
    }

    static List<ResultLayer> of(Raster flats, Raster lineArt, FlatsOutput output, long seed) {
        return switch (output) {
            case UNDERLAY -> List.of(new ResultLayer(flats, 0, 0, seed, LayerRole.UNDERLAY));
            // The outside is empty in the flats, so it is paper in the merged picture.
            case MERGED -> List.of(new ResultLayer(Compositing.multiply(lineArt, Compositing.overWhite(flats)), 0, 0, seed,
                    LayerRole.PATCH));
            case PER_COLOR -> perColour(flats, seed);
        };
    }

    /**
     * One underlay per colour, cropped to where that colour is and transparent elsewhere, named
     * "#rrggbb"; the empty outside makes no layer.
     */
    private static List<ResultLayer> perColour(Raster flats, long seed) {
        int w = flats.width(), h = flats.height();
        byte[] rgba = flats.rgba();
        // Per colour: minX, minY, maxX, maxY; sorted by colour so the layer order is stable.
        TreeMap<Integer, int[]> boxes = new TreeMap<>();
        int last = -1;
        int[] box = null;
        for (int y = 0; y < h; y++) {
            // A run never goes on across a row's start or a transparent pixel: the box's left edge is checked anew.
            last = -1;
            for (int x = 0; x < w; x++) {
                if (rgba[(y * w + x) * 4 + 3] == 0) {
                    last = -1;
                    continue;
                }
                int colour = rgb(rgba, y * w + x);
                if (colour != last) {
                    // Flats come in long runs of one colour: look the box up only where the colour changes.
                    last = colour;
                    box = boxes.computeIfAbsent(colour, k -> new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, -1, -1});
                    box[0] = Math.min(box[0], x);
                    box[1] = Math.min(box[1], y);
                }
                box[2] = Math.max(box[2], x);
                box[3] = y;
            }
        }
        List<ResultLayer> layers = new ArrayList<>(boxes.size());
        boxes.forEach((colour, span) -> {
            Bounds where = new Bounds(span[0], span[1], span[2] - span[0] + 1, span[3] - span[1] + 1);
            Raster layer = flats.crop(where);
            byte[] px = layer.rgba();
            for (int i = 0; i < px.length; i += 4) {
                if (px[i + 3] == 0 || rgb(px, i / 4) != colour) {
                    px[i] = px[i + 1] = px[i + 2] = px[i + 3] = 0;
                }
            }
            layers.add(new ResultLayer(layer, where.x(), where.y(), seed, LayerRole.UNDERLAY,
                    String.format(Locale.ROOT, "#%06x", colour)));
        });
        return layers;
    }

    private static int rgb(byte[] rgba, int pixel) {
        int i = pixel * 4;
        return ((rgba[i] & 0xFF) << 16) | ((rgba[i + 1] & 0xFF) << 8) | (rgba[i + 2] & 0xFF);
    }
}
