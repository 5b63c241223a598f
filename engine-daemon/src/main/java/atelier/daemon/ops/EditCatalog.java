package atelier.daemon.ops;

import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.OperationSupport;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Every operation the daemon answers, each with its engines. */
public final class EditCatalog {

    private final Map<Operation, Edit> edits = new EnumMap<>(Operation.class);
    private final List<String> schedulers;

    /**
     * @param schedulers the scheduler names the model engines understand, which requests are
     *                   checked against whether or not a model is installed
     */
    public EditCatalog(List<Edit> edits, List<String> schedulers) {
        this.schedulers = List.copyOf(schedulers);
        for (Edit edit : edits) {
            this.edits.put(edit.operation(), edit);
        }
        for (Operation operation : Operation.values()) {
            if (!this.edits.containsKey(operation)) {
                throw new IllegalArgumentException("no Edit for " + operation + ": every operation needs one, even with no engine"
                        + " installed (its prepare then answers Unsupported saying what to install)");
            }
        }
    }

    public List<String> schedulers() {
        return schedulers;
    }

    public Edit edit(Operation operation) {
        return edits.get(operation);
    }

    public List<OperationSupport> support() {
        return edits.values().stream().map(edit -> {
            OperationSupport support = new OperationSupport(edit.operation(), edit.engines());
            if (edit.engines().isEmpty()) {
                support.setHowToEnable(edit.howToEnable());
            }
            return support;
        }).toList();
    }
}
