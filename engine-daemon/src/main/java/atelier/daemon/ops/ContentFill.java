package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.LayerRole;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.image.Bounds;
import atelier.daemon.image.Compositing;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** "Make this thing disappear": fills the selection from its surroundings. */
public final class ContentFill implements Edit {

    private final List<FillEngine> engines;

    public ContentFill(List<FillEngine> engines) {
        this.engines = List.copyOf(engines);
    }

    @Override
    public Operation operation() {
        return Operation.CONTENT_FILL;
    }

    @Override
    public List<EngineInfo> engines() {
        return engines.stream().map(FillEngine::info).toList();
    }

    @Override
    public String howToEnable() {
        return "this build has no content-fill engine";
    }

    @Override
    public Work prepare(EditOrder order) throws InvalidRequest, Unsupported {
        FillEngine engine = EngineChoice.pick(operation(), order.engine(), engines, FillEngine::info, howToEnable());
        Mask mask = order.mask();
        if (mask == null) {
            throw new InvalidRequest("mask", "content-fill needs a selection: send it as the mask (255 = fill here)");
        }
        Bounds hole = mask.bounds();
        if (hole.isEmpty()) {
            throw new InvalidRequest("mask", "the selection is empty: select what should disappear");
        }
        if (mask.selectedPixels() == mask.extent().pixels()) {
            throw new InvalidRequest("mask", "the selection covers the whole image: nothing is left to fill it from");
        }
        if (order.variants() > 1 && !engine.seeded()) {
            throw new InvalidRequest("variants", engine.info().getName()
                    + " fills the same way every time, so variants would be identical: ask for 1");
        }
        return progress -> {
            Raster image = order.image();
            Bounds context = engine.context().around(hole, image.extent());
            List<ResultLayer> layers = new ArrayList<>();
            for (int v = 0; v < order.variants(); v++) {
                long seed = order.seed() + v;
                progress.step((double) v / order.variants(), "filling");
                Raster filled = engine.fill(image.crop(context), mask.crop(context), seed,
                        progress.span((double) v / order.variants(), (v + 0.95) / order.variants()));
                Raster patch = Compositing.blendInside(image, filled.crop(hole.relativeTo(context)), mask, hole);
                layers.add(new ResultLayer(patch, hole.x(), hole.y(), seed, LayerRole.PATCH));
            }
            Map<String, String> details = new LinkedHashMap<>();
            details.put("context", context.toString());
            details.put("hole", hole.toString());
            return new EditOutcome(layers, image.extent(), 0, 0, engine.info().getName(), details);
        };
    }
}
