package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.classic.HintPropagation;
import atelier.daemon.image.Raster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * "Colour my line art": flat colours for every region between the lines, from the
 * artist's hint scribbles or an automatic palette, returned beneath the untouched lines.
 * With hints the result is fully determined, so it makes one variant; without, variant k
 * uses the palette of seed + k.
 */
public final class Colorize implements Edit {

    /** Smaller pictures have no room for lines and regions between them. */
    static final int MIN_SIDE = 16;

    private final List<FlatsEngine> engines;

    public Colorize(List<FlatsEngine> engines) {
        this.engines = List.copyOf(engines);
    }

    @Override
    public Operation operation() {
        return Operation.COLORIZE;
    }

    @Override
    public List<EngineInfo> engines() {
        return engines.stream().map(FlatsEngine::info).toList();
    }

    @Override
    public String howToEnable() {
        return "colorize needs the line-art flats engine or a ControlNet model; this build has neither";
    }

    @Override
    public Work prepare(EditOrder order) throws InvalidRequest, Unsupported {
        FlatsEngine engine = EngineChoice.pick(operation(), order.engine(), engines, FlatsEngine::info, howToEnable());
        Raster lineArt = order.image();
        if (lineArt.width() < MIN_SIDE || lineArt.height() < MIN_SIDE) {
            throw new InvalidRequest("image", "line art of " + lineArt.extent() + " is too small to flat: send at least "
                    + MIN_SIDE + "x" + MIN_SIDE + " pixels");
        }
        Raster hints = order.hints();
        if (hints != null && !HintPropagation.hasStrokes(hints)) {
            throw new InvalidRequest("hints", "no hint strokes: the hint layer is transparent (strokes need at least 50% opacity);"
                    + " scribble a colour in each region, or send no hints for an automatic palette");
        }
        if (hints != null && order.variants() > 1) {
            throw new InvalidRequest("variants", "flats from hints come out the same every time, so variants would be identical:"
                    + " ask for 1, or send no hints for different palettes");
        }
        FlatsEngine.Plan plan = engine.plan(lineArt, hints, order.gapClosing());
        List<Long> seeds = LongStream.range(0, order.variants()).map(k -> order.seed() + k).boxed().toList();
        return progress -> {
            FlatsEngine.Flats flats = plan.paint(seeds, progress.span(0, 0.9));
            progress.step(0.9, "making layers");
            List<ResultLayer> layers = new ArrayList<>();
            for (int v = 0; v < seeds.size(); v++) {
                layers.addAll(FlatsLayers.of(flats.variants().get(v), lineArt, order.flats(), seeds.get(v)));
            }
            Map<String, String> details = new LinkedHashMap<>(flats.details());
            details.put("flats", order.flats().toString());
            return new EditOutcome(layers, lineArt.extent(), 0, 0, engine.info().getName(), details);
        };
    }
}
