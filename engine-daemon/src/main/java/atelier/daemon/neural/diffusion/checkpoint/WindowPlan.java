package atelier.daemon.neural.diffusion.checkpoint;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How to cover a file's data section with memory mappings when one mapping holds at most
 * maxWindow bytes (a MappedByteBuffer is indexed by int, so 2 GiB; SD 1.5 fp32 files are 4 GiB).
 * Windows are cut between tensors, never through one, so every tensor is one slice of one
 * window and reading it needs no copy. A tensor larger than a window gets none.
 */
final class WindowPlan {

    /** A stretch of the data section, [start, end) in data-section offsets. */
    record Window(long start, long end) {
        long size() {
            return end - start;
        }
    }

    private final List<Window> windows;
    private final Map<String, Integer> windowOf;

    private WindowPlan(List<Window> windows, Map<String, Integer> windowOf) {
        this.windows = List.copyOf(windows);
        this.windowOf = Map.copyOf(windowOf);
    }

    static WindowPlan of(Iterable<TensorInfo> tensors, long maxWindow) {
        if (maxWindow <= 0) {
            throw new IllegalArgumentException("a window must hold at least one byte, not " + maxWindow);
        }
        List<TensorInfo> inOrder = new ArrayList<>();
        tensors.forEach(inOrder::add);
        inOrder.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        List<Window> windows = new ArrayList<>();
        Map<String, Integer> windowOf = new HashMap<>();
        long start = -1;
        long end = -1;
        for (TensorInfo tensor : inOrder) {
            if (tensor.byteSize() > maxWindow) {
                continue; // no window can hold it; Safetensors says so when it is asked for
            }
            if (start < 0 || tensor.end() - start > maxWindow || tensor.begin() != end) {
                if (start >= 0) {
                    windows.add(new Window(start, end));
                }
                start = tensor.begin();
            }
            end = tensor.end();
            windowOf.put(tensor.name(), windows.size());
        }
        if (start >= 0) {
            windows.add(new Window(start, end));
        }
        return new WindowPlan(windows, windowOf);
    }

    List<Window> windows() {
        return windows;
    }

    /** Index of the window holding the tensor, or -1 when it is larger than any window may be. */
    int windowOf(String tensor) {
        return windowOf.getOrDefault(tensor, -1);
    }
}
