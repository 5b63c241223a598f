package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Picks the engine a request asked for among those an operation has. */
public final class EngineChoice {

    private EngineChoice() {
    }

    /**
     * "auto" takes the first (best) engine, "embedded" the first that needs no model,
     * a name that engine. Anything else is Unsupported, naming what there is.
     */
    public static <E> E pick(Operation operation, String requested, List<E> engines,
                             Function<E, EngineInfo> info, String howToEnable) throws Unsupported {
        for (E engine : engines) {
            EngineInfo about = info.apply(engine);
            boolean matches = switch (requested) {
                case EditOrder.AUTO -> true;
                case EditOrder.EMBEDDED -> about.getKind().equals(EditOrder.EMBEDDED);
                default -> about.getName().equals(requested);
            };
            if (matches) {
                return engine;
            }
        }
        String available = engines.stream().map(e -> info.apply(e).getName()).collect(Collectors.joining(", "));
        String advice = engines.isEmpty() ? howToEnable
                : "engine '" + requested + "' is not installed; " + operation + " can use: " + available + ", or 'auto'";
        throw new Unsupported(operation, requested, advice);
    }
}
