package atelier.daemon.ops;

import atelier.bridge.thrift.LayerRole;
import atelier.daemon.image.Raster;

/** One result picture, where it goes on the result canvas, and how it belongs there. */
public record ResultLayer(Raster pixels, int x, int y, long seed, LayerRole role) {
}
