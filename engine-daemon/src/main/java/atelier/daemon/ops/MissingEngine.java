package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import java.util.List;

/** An operation that has no engine in this daemon: every request gets Unsupported saying what would provide one. */
public final class MissingEngine implements Edit {

    private final Operation operation;
    private final String howToEnable;

    public MissingEngine(Operation operation, String howToEnable) {
        this.operation = operation;
        this.howToEnable = howToEnable;
    }

    @Override
    public Operation operation() {
        return operation;
    }

    @Override
    public List<EngineInfo> engines() {
        return List.of();
    }

    @Override
    public String howToEnable() {
        return howToEnable;
    }

    @Override
    public Work prepare(EditOrder order) throws Unsupported {
        throw new Unsupported(operation, order.engine(), howToEnable);
    }
}
