package atelier.daemon.neural.diffusion.net;

import ai.djl.nn.Block;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointMismatchException;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.neural.diffusion.checkpoint.LayerDelta;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Puts LoRA changes on the layers of loaded networks, and takes them all off again. */
public final class LoraAdapters {

    private LoraAdapters() {
    }

    /**
     * Every layer below the roots runs with the changes for its key (several LoRAs add up) and
     * every other layer with none: what was attached by an earlier request is replaced.
     *
     * @throws CheckpointMismatchException when a change is for a layer the networks do not have, or of the wrong size
     */
    public static void attach(List<Block> roots, Path source, Map<String, List<LayerDelta>> changes)
            throws CheckpointMismatchException {
        Map<String, NetworkBlock> layers = new LinkedHashMap<>();
        for (Block root : roots) {
            collect(root, layers);
        }
        Set<String> missing = new HashSet<>(changes.keySet());
        missing.removeAll(layers.keySet());
        if (!missing.isEmpty()) {
            throw new CheckpointMismatchException(source, "changes layers the model does not have: " + missing);
        }
        for (Map.Entry<String, NetworkBlock> layer : layers.entrySet()) {
            List<LayerDelta> mine = changes.getOrDefault(layer.getKey(), List.of());
            for (LayerDelta delta : mine) {
                long[] weight = layer.getValue().getDirectParameters().get(layer.getKey() + ".weight").getArray().getShape()
                        .getShape();
                Shape out = delta instanceof LayerDelta.LowRank l ? l.up().getShape() : ((LayerDelta.Full) delta).change().getShape();
                Shape in = delta instanceof LayerDelta.LowRank l ? l.down().getShape() : ((LayerDelta.Full) delta).change().getShape();
                if (out.get(0) != weight[0] || in.get(1) != weight[1]) {
                    throw new CheckpointMismatchException(source, "the change to '" + layer.getKey() + "' is "
                            + out.get(0) + "x" + in.get(1) + " for a layer of " + weight[0] + "x" + weight[1]);
                }
            }
            ((AdaptableLayer) layer.getValue()).adapt(mine);
        }
    }

    /** Back to the base weights alone. */
    public static void detach(List<Block> roots) {
        Map<String, NetworkBlock> layers = new LinkedHashMap<>();
        for (Block root : roots) {
            collect(root, layers);
        }
        for (NetworkBlock layer : layers.values()) {
            ((AdaptableLayer) layer).adapt(List.of());
        }
    }

    /** Several LoRAs' changes gathered by layer. */
    public static Map<String, List<LayerDelta>> combined(List<Map<String, LayerDelta>> loras) {
        Map<String, List<LayerDelta>> byLayer = new LinkedHashMap<>();
        for (Map<String, LayerDelta> lora : loras) {
            lora.forEach((key, delta) -> byLayer.computeIfAbsent(key, k -> new ArrayList<>()).add(delta));
        }
        return byLayer;
    }

    private static void collect(Block block, Map<String, NetworkBlock> layers) {
        if (block instanceof AdaptableLayer layer) {
            layers.put(layer.key(), layer);
        }
        for (Block child : block.getChildren().values()) {
            collect(child, layers);
        }
    }
}
