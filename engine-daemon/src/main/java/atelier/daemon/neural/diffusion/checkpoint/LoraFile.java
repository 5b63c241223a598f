package atelier.daemon.neural.diffusion.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A LoRA-family .safetensors file as artists have them, read into the changes it makes to
 * SD 1.5's layers. Each module ("X", named as {@link LoraNames} reads) holds one of:
 * <ul>
 * <li>kohya/LyCORIS LoRA and LoCon: {@code X.lora_down.weight}, {@code X.lora_up.weight}, optional
 *     {@code X.alpha} (scale alpha / rank, else 1); with {@code X.lora_mid.weight}, LyCORIS Tucker;</li>
 * <li>PEFT / diffusers: {@code X.lora_A.weight}, {@code X.lora_B.weight} (no alpha: scale 1);</li>
 * <li>LoHa: {@code X.hada_w1_a}, {@code hada_w1_b}, {@code hada_w2_a}, {@code hada_w2_b}:
 *     the change (w1_a w1_b) * (w2_a w2_b), elementwise, scale alpha / rank;</li>
 * <li>LoKr: {@code X.lokr_w1} (or {@code lokr_w1_a} {@code lokr_w1_b}) and {@code X.lokr_w2} (or its two
 *     factors): the change kron(w1, w2), scale alpha / rank when a side is factored, else 1;</li>
 * <li>a full difference: {@code X.diff}, the change itself.</li>
 * </ul>
 * Anything else (a key of no such form, DoRA's {@code dora_scale}, LoHa's or LoKr's Tucker cores,
 * bias differences, a module naming no SD 1.5 layer) refuses the file, naming the first key: a
 * LoRA is applied whole or not at all.
 */
public final class LoraFile {

    /** The key endings of the formats read here, and the part of a module each names. */
    private static final List<String> PARTS = List.of(".lora_down.weight", ".lora_up.weight", ".lora_mid.weight",
            ".lora_A.weight", ".lora_B.weight", ".hada_w1_a", ".hada_w1_b", ".hada_w2_a", ".hada_w2_b",
            ".lokr_w1_a", ".lokr_w1_b", ".lokr_w2_a", ".lokr_w2_b", ".lokr_w1", ".lokr_w2", ".diff", ".alpha");
    /** Key endings of formats recognised but not read, and what to say about them. */
    private static final Map<String, String> REFUSED = Map.of(
            ".dora_scale", "DoRA (weight-decomposed LoRA) is not supported",
            ".hada_t1", "LoHa with Tucker cores (hada_t1/hada_t2) is not supported",
            ".hada_t2", "LoHa with Tucker cores (hada_t1/hada_t2) is not supported",
            ".lokr_t2", "LoKr with a Tucker core (lokr_t2) is not supported",
            ".diff_b", "bias differences (diff_b) are not supported");

    private LoraFile() {
    }

    /**
     * What is structurally wrong with a LoRA-family file, from its header alone: a low-rank
     * module without one of its factors or with factors of different ranks, a LoHa module
     * without all four; null when nothing is. (Which layers it names is checked at load.)
     */
    public static String problem(SafetensorsHeader header) {
        for (Map.Entry<String, Map<String, TensorInfo>> module : modules(header.tensors()).entrySet()) {
            Map<String, TensorInfo> parts = module.getValue();
            for (String[] pair : new String[][] {{".lora_down.weight", ".lora_up.weight"}, {".lora_A.weight", ".lora_B.weight"}}) {
                TensorInfo down = parts.get(pair[0]);
                TensorInfo up = parts.get(pair[1]);
                if (down == null && up == null) {
                    continue;
                }
                if (down == null || up == null) {
                    return module.getKey() + (down == null ? pair[0] : pair[1]) + " is missing";
                }
                TensorInfo mid = parts.get(".lora_mid.weight");
                long rank = mid == null ? down.dim(0) : mid.dim(0);
                if (up.rank() < 2 || up.dim(1) != rank) {
                    return up.name() + " has rank " + (up.rank() < 2 ? 0 : up.dim(1)) + " but " + down.name() + " has rank " + rank;
                }
            }
            if (parts.keySet().stream().anyMatch(p -> p.startsWith(".hada_"))) {
                for (String part : List.of(".hada_w1_a", ".hada_w1_b", ".hada_w2_a", ".hada_w2_b")) {
                    if (!parts.containsKey(part)) {
                        return module.getKey() + part + " is missing (LoHa needs w1_a, w1_b, w2_a and w2_b)";
                    }
                }
            }
        }
        return null;
    }

    /** Whether every key of a file is a part of a LoRA-family module (the inspector's test; load() checks the rest). */
    public static boolean hasLoraKeys(SafetensorsHeader header) {
        return header.size() > 0 && header.tensors().stream().map(TensorInfo::name).allMatch(name ->
                PARTS.stream().anyMatch(name::endsWith) || REFUSED.keySet().stream().anyMatch(name::endsWith))
                && header.tensors().stream().anyMatch(t -> !t.name().endsWith(".alpha"));
    }

    /** The tensors of each module, by the module's name and the part of it each is (its key's ending). */
    private static Map<String, Map<String, TensorInfo>> modules(java.util.Collection<TensorInfo> tensors) {
        Map<String, Map<String, TensorInfo>> modules = new TreeMap<>();
        for (TensorInfo tensor : tensors) {
            PARTS.stream().filter(tensor.name()::endsWith).findFirst().ifPresent(part -> modules.computeIfAbsent(
                    tensor.name().substring(0, tensor.name().length() - part.length()), k -> new LinkedHashMap<>()).put(part, tensor));
        }
        return modules;
    }

    /**
     * The changes of the file at the artist's {@code weight}, by CompVis layer key (without ".weight").
     *
     * @param widths the model's widths, for the layers' names and shapes
     * @throws CheckpointMismatchException naming the first key that cannot be read or mapped
     */
    public static Map<String, LayerDelta> load(Path file, double weight, Sd15Widths widths, NDManager manager,
                                               DataType computeType) throws IOException {
        Safetensors lora = Safetensors.open(file);
        LoraNames names = LoraNames.of(widths);
        Map<String, ExpectedShape> shapes = new LinkedHashMap<>(Sd15Layout.unet(widths));
        shapes.putAll(Sd15Layout.textEncoder(widths));
        for (TensorInfo tensor : lora.tensors()) {
            String name = tensor.name();
            for (Map.Entry<String, String> refused : REFUSED.entrySet()) {
                if (name.endsWith(refused.getKey())) {
                    throw new CheckpointMismatchException(file, "'" + name + "': " + refused.getValue());
                }
            }
            if (PARTS.stream().noneMatch(name::endsWith)) {
                throw new CheckpointMismatchException(file, "'" + name + "' is not a key of a LoRA format Atelier reads"
                        + " (kohya/LyCORIS LoRA, LoCon, Tucker, LoHa, LoKr, .diff, PEFT)");
            }
        }
        Map<String, Map<String, TensorInfo>> modules = modules(lora.tensors());
        if (modules.isEmpty()) {
            throw new CheckpointMismatchException(file, "holds no tensors: it is not a LoRA");
        }
        Map<String, LayerDelta> deltas = new LinkedHashMap<>();
        Reader reader = new Reader(file, lora, manager, computeType);
        for (Map.Entry<String, Map<String, TensorInfo>> module : modules.entrySet()) {
            String layer = names.layer(module.getKey()).orElseThrow(() -> new CheckpointMismatchException(file,
                    "'" + module.getKey() + "' names no SD 1.5 layer Atelier can change (" + modules.size() + " modules in the file)"));
            long[] shape = shapes.get(layer + ".weight").shape().stream().mapToLong(Long::longValue).toArray();
            LayerDelta delta = reader.delta(module.getKey(), module.getValue(), weight, shape);
            if (deltas.put(layer, delta) != null) {
                throw new CheckpointMismatchException(file, "'" + module.getKey() + "' changes " + layer
                        + ", which another module of the file already changes");
            }
        }
        return deltas;
    }

    /** Reads one module's tensors into its change. */
    private record Reader(Path file, Safetensors lora, NDManager manager, DataType computeType) {

        LayerDelta delta(String module, Map<String, TensorInfo> parts, double weight, long[] layerShape)
                throws CheckpointMismatchException {
            Optional<Float> alpha = Optional.ofNullable(parts.get(".alpha")).map(t -> lora.floats(t.name())[0]);
            if (parts.containsKey(".lora_down.weight") || parts.containsKey(".lora_up.weight")) {
                return lowRank(module, parts, ".lora_down.weight", ".lora_up.weight", alpha, weight);
            }
            if (parts.containsKey(".lora_A.weight") || parts.containsKey(".lora_B.weight")) {
                return lowRank(module, parts, ".lora_A.weight", ".lora_B.weight", alpha, weight);
            }
            if (parts.containsKey(".hada_w1_a")) {
                NDArray w1 = array(require(module, parts, ".hada_w1_a")).matMul(array(require(module, parts, ".hada_w1_b")));
                NDArray w2 = array(require(module, parts, ".hada_w2_a")).matMul(array(require(module, parts, ".hada_w2_b")));
                long rank = require(module, parts, ".hada_w1_b").dim(0);
                return new LayerDelta.Full(shaped(module, w1.mul(w2), layerShape), scale(alpha, rank, weight));
            }
            if (parts.keySet().stream().anyMatch(p -> p.startsWith(".lokr_"))) {
                NDArray w1 = kroneckerSide(module, parts, ".lokr_w1");
                NDArray w2 = kroneckerSide(module, parts, ".lokr_w2");
                long rank = parts.containsKey(".lokr_w1_b") ? parts.get(".lokr_w1_b").dim(0)
                        : parts.containsKey(".lokr_w2_b") ? parts.get(".lokr_w2_b").dim(0) : 0;
                float scale = rank > 0 ? scale(alpha, rank, weight) : (float) weight;
                return new LayerDelta.Full(shaped(module, kronecker(w1, w2), layerShape), scale);
            }
            if (parts.containsKey(".diff")) {
                return new LayerDelta.Full(shaped(module, array(parts.get(".diff")), layerShape), (float) weight);
            }
            throw new CheckpointMismatchException(file, "'" + module + "' has only " + parts.keySet() + ": no change to read");
        }

        private LayerDelta lowRank(String module, Map<String, TensorInfo> parts, String downPart, String upPart,
                                   Optional<Float> alpha, double weight) throws CheckpointMismatchException {
            TensorInfo down = require(module, parts, downPart);
            TensorInfo up = require(module, parts, upPart);
            TensorInfo mid = parts.get(".lora_mid.weight");
            long rank = down.dim(0);
            long upRank = up.rank() < 2 ? -1 : up.dim(1);
            if (upRank != (mid == null ? rank : mid.dim(0))) {
                throw new CheckpointMismatchException(file, "'" + module + "': " + upPart.substring(1) + " " + up.shapeList()
                        + " does not take the rank of " + downPart.substring(1) + " " + down.shapeList());
            }
            return new LayerDelta.LowRank(array(down), mid == null ? null : array(mid), array(up), scale(alpha, rank, weight));
        }

        private NDArray kroneckerSide(String module, Map<String, TensorInfo> parts, String side)
                throws CheckpointMismatchException {
            if (parts.containsKey(side)) {
                return array(parts.get(side));
            }
            return array(require(module, parts, side + "_a")).matMul(array(require(module, parts, side + "_b")));
        }

        /** kron(a, b) of two matrices (a 4-D b keeps its kernel): LoKr's change before it is shaped to the weight. */
        private static NDArray kronecker(NDArray a, NDArray b) {
            long[] as = a.getShape().getShape();
            long[] bs = b.getShape().getShape();
            if (bs.length == 4) {
                // (a0, a1) x (b0, b1, k, k) -> (a0 b0, a1 b1, k, k)
                NDArray outer = a.reshape(as[0], 1, as[1], 1, 1, 1).mul(b.reshape(1, bs[0], 1, bs[1], bs[2], bs[3]));
                return outer.reshape(as[0] * bs[0], as[1] * bs[1], bs[2], bs[3]);
            }
            NDArray outer = a.reshape(as[0], 1, as[1], 1).mul(b.reshape(1, bs[0], 1, bs[1]));
            return outer.reshape(as[0] * bs[0], as[1] * bs[1]);
        }

        private NDArray shaped(String module, NDArray change, long[] layerShape) throws CheckpointMismatchException {
            long elements = 1;
            for (long side : layerShape) {
                elements *= side;
            }
            if (change.size() != elements) {
                throw new CheckpointMismatchException(file, "'" + module + "' changes " + change.size() + " values of a weight of "
                        + new Shape(layerShape));
            }
            return change.reshape(layerShape);
        }

        private float scale(Optional<Float> alpha, long rank, double weight) {
            return (float) (weight * alpha.map(a -> a / rank).orElse(1f));
        }

        private TensorInfo require(String module, Map<String, TensorInfo> parts, String part) throws CheckpointMismatchException {
            TensorInfo tensor = parts.get(part);
            if (tensor == null) {
                throw new CheckpointMismatchException(file, "'" + module + "' lacks " + part.substring(1) + " (it has "
                        + parts.keySet() + ")");
            }
            return tensor;
        }

        private NDArray array(TensorInfo tensor) {
            return manager.create(lora.floats(tensor.name()), new Shape(tensor.shape())).toType(computeType, false);
        }
    }
}
