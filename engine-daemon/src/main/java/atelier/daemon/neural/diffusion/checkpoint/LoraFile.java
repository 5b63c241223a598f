package atelier.daemon.neural.diffusion.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A LoRA in kohya's .safetensors layout: for each module "X", X.lora_down.weight (rank, in[, k, k]),
 * X.lora_up.weight (out, rank[, 1, 1]) and optionally X.alpha (the change is scaled by
 * alpha / rank; without alpha, by 1). Read into thin factors for the layers they change; a file
 * with modules Atelier cannot map is refused, naming them, rather than applied in part.
 */
public final class LoraFile {

    private static final String DOWN = ".lora_down.weight";
    private static final String UP = ".lora_up.weight";
    private static final String ALPHA = ".alpha";

    private LoraFile() {
    }

    /**
     * The changes of the LoRA in {@code file} at the artist's {@code weight}, by CompVis layer key.
     *
     * @throws CheckpointMismatchException naming unmapped modules, a module without its other factor, or mismatched ranks
     */
    public static Map<String, LowRankDelta> load(Path file, double weight, NDManager manager, DataType computeType)
            throws IOException {
        Safetensors lora = Safetensors.open(file);
        TreeSet<String> modules = new TreeSet<>();
        for (TensorInfo tensor : lora.tensors()) {
            String name = tensor.name();
            if (name.endsWith(DOWN)) {
                modules.add(name.substring(0, name.length() - DOWN.length()));
            } else if (name.endsWith(UP)) {
                modules.add(name.substring(0, name.length() - UP.length()));
            } else if (!name.endsWith(ALPHA)) {
                throw new CheckpointMismatchException(file, "'" + name + "' is not a kohya LoRA key (lora_down, lora_up or alpha)");
            }
        }
        if (modules.isEmpty()) {
            throw new CheckpointMismatchException(file, "has no lora_down/lora_up pairs: it is not a LoRA");
        }
        List<String> unmapped = new ArrayList<>();
        for (String module : modules) {
            if (KohyaNames.compVisLayer(module).isEmpty()) {
                unmapped.add(module);
            }
        }
        if (!unmapped.isEmpty()) {
            throw new CheckpointMismatchException(file, unmapped.size() + " of its " + modules.size()
                    + " modules change layers Atelier cannot map to SD 1.5 (e.g. " + String.join(", ", unmapped.subList(0,
                    Math.min(3, unmapped.size()))) + "); only the standard LoRA layers (UNet transformers, text encoder) are supported");
        }
        Map<String, LowRankDelta> deltas = new LinkedHashMap<>();
        for (String module : modules) {
            TensorInfo down = lora.header().tensor(module + DOWN).orElseThrow(() -> new CheckpointMismatchException(file,
                    "'" + module + "' has lora_up but no lora_down"));
            TensorInfo up = lora.header().tensor(module + UP).orElseThrow(() -> new CheckpointMismatchException(file,
                    "'" + module + "' has lora_down but no lora_up"));
            long rank = down.dim(0);
            if (up.rank() < 2 || up.dim(1) != rank) {
                throw new CheckpointMismatchException(file, "'" + module + "': lora_up " + up.shapeList() + " does not take the rank "
                        + rank + " of lora_down " + down.shapeList());
            }
            double alpha = lora.header().tensor(module + ALPHA).isPresent() ? lora.floats(module + ALPHA)[0] : rank;
            float scale = (float) (weight * alpha / rank);
            deltas.put(KohyaNames.compVisLayer(module).orElseThrow(), new LowRankDelta(
                    array(lora, down, manager, computeType), array(lora, up, manager, computeType), scale));
        }
        return deltas;
    }

    private static NDArray array(Safetensors file, TensorInfo tensor, NDManager manager, DataType computeType) {
        return manager.create(file.floats(tensor.name()), new Shape(tensor.shape())).toType(computeType, false);
    }
}
