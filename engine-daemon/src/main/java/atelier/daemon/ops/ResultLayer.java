package atelier.daemon.ops;

import atelier.bridge.thrift.LayerRole;
import atelier.daemon.image.Raster;

/**
 * One result picture, where it goes on the result canvas, and how it belongs there.
 *
 * @param name a layer name when the operation has one (a flat's colour), or null
 */
public record ResultLayer(Raster pixels, int x, int y, long seed, LayerRole role, String name) {

    public ResultLayer(Raster pixels, int x, int y, long seed, LayerRole role) {
        this(pixels, x, y, seed, role, null);
    }
}
