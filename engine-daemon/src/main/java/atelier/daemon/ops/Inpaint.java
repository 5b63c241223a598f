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
import atelier.daemon.image.WorkingResolution;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * "Put this here": repaints the selection as the prompt says. The model sees a context region
 * around the selection (WorkingResolution), and its result is pasted back through the
 * selection only, so every pixel outside it stays bit for bit. Variant k uses seed + k.
 */
public final class Inpaint implements Edit {

    private final List<InpaintEngine> engines;
    private final String howToEnable;

    public Inpaint(List<InpaintEngine> engines, String howToEnable) {
        this.engines = List.copyOf(engines);
        this.howToEnable = howToEnable;
    }

    @Override
    public Operation operation() {
        return Operation.INPAINT;
    }

    @Override
    public List<EngineInfo> engines() {
        return engines.stream().map(InpaintEngine::info).toList();
    }

    @Override
    public String howToEnable() {
        return howToEnable;
    }

    @Override
    public Bounds contextRegion(Bounds selection, atelier.daemon.image.Extent canvas, String engine, boolean sampleFrom) {
        return selection == null ? Bounds.of(canvas) : WorkingResolution.SD15.regionAround(selection, canvas);
    }

    @Override
    public Work prepare(EditOrder order) throws InvalidRequest, Unsupported {
        InpaintEngine engine = EngineChoice.pick(operation(), order.engine(), engines, InpaintEngine::info, howToEnable);
        Mask mask = order.mask();
        if (mask == null) {
            throw new InvalidRequest("mask", "inpaint needs a selection: send it as the mask (255 = repaint here)");
        }
        Bounds hole = mask.bounds();
        if (hole.isEmpty()) {
            throw new InvalidRequest("mask", "the selection is empty: select what should be repainted");
        }
        if (order.strength() <= 0) {
            throw new InvalidRequest("strength", "0 would change nothing: use more than 0, up to 1");
        }
        engine.check(order.diffusion());
        int steps = order.steps() != null ? order.steps() : order.diffusion().defaultSteps();
        Bounds region = WorkingResolution.SD15.regionAround(hole, order.image().extent());
        return progress -> {
            Raster image = order.image();
            List<ResultLayer> layers = new ArrayList<>();
            Map<String, String> details = new LinkedHashMap<>();
            List<Long> seeds = LongStream.range(0, order.variants()).map(v -> order.seed() + v).boxed().toList();
            InpaintEngine.Prompted request = new InpaintEngine.Prompted(order.prompt(), order.negativePrompt(), order.strength(),
                    steps, seeds, order.diffusion());
            List<Raster> repainted = engine.inpaint(image.crop(region), mask.crop(region), request, progress, details);
            for (int v = 0; v < seeds.size(); v++) {
                Raster patch = Compositing.blendInside(image, repainted.get(v).crop(hole.relativeTo(region)), mask, hole);
                layers.add(new ResultLayer(patch, hole.x(), hole.y(), seeds.get(v), LayerRole.PATCH));
            }
            details.put("context", region.toString());
            details.put("hole", hole.toString());
            details.put("seed", String.valueOf(order.seed()));
            details.put("steps", String.valueOf(steps));
            details.put("strength", String.valueOf(order.strength()));
            return new EditOutcome(layers, image.extent(), 0, 0, engine.info().getName(), details);
        };
    }
}
