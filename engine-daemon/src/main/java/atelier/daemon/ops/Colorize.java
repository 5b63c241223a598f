package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
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

    /**
     * How far a model may move the flats when the request leaves strength at 1: far enough to
     * shade and texture, near enough that the artist's colours survive.
     */
    static final double MODEL_STRENGTH = 0.75;

    private final List<FlatsEngine> engines;
    private final List<LineArtPainter> painters;

    public Colorize(List<FlatsEngine> engines) {
        this(engines, List.of());
    }

    /** @param painters models that colour line art, tried first by "auto" (flats stay the start picture and the fallback) */
    public Colorize(List<FlatsEngine> engines, List<LineArtPainter> painters) {
        this.engines = List.copyOf(engines);
        this.painters = List.copyOf(painters);
    }

    private List<FlatsEngine> candidates(EditOrder order) {
        List<FlatsEngine> all = new ArrayList<>();
        for (LineArtPainter painter : painters) {
            all.add(new ModelColorize(painter, engines.get(0), order, Math.min(order.strength(), MODEL_STRENGTH)));
        }
        all.addAll(engines);
        return all;
    }

    @Override
    public Operation operation() {
        return Operation.COLORIZE;
    }

    @Override
    public List<EngineInfo> engines() {
        List<EngineInfo> all = new ArrayList<>();
        painters.forEach(painter -> all.add(painter.info()));
        all.addAll(engines.stream().map(FlatsEngine::info).toList());
        return all;
    }

    @Override
    public String howToEnable() {
        return "colorize needs the line-art flats engine or a ControlNet model; this build has neither";
    }

    @Override
    public Work prepare(EditOrder order) throws InvalidRequest, Unsupported {
        FlatsEngine engine = EngineChoice.pick(operation(), order.engine(), candidates(order), FlatsEngine::info, howToEnable());
        boolean model = engine instanceof ModelColorize;
        if (engine instanceof ModelColorize painting) {
            painting.painter().check(order.diffusion());
            if (order.flats() == FlatsOutput.PER_COLOR) {
                throw new InvalidRequest("flats", engine.info().getName() + " paints shaded colour, not flats: ask for UNDERLAY or"
                        + " MERGED, or use the flats engine for one layer per colour");
            }
        }
        Raster lineArt = order.image();
        if (lineArt.width() < MIN_SIDE || lineArt.height() < MIN_SIDE) {
            throw new InvalidRequest("image", "line art of " + lineArt.extent() + " is too small to flat: send at least "
                    + MIN_SIDE + "x" + MIN_SIDE + " pixels");
        }
        Raster hints = order.hints();
        if (hints != null && !FlatsEngine.hasStrokes(hints)) {
            throw new InvalidRequest("hints", "no hint strokes: the hint layer is transparent (strokes need at least 50% opacity);"
                    + " scribble a colour in each region, or send no hints for an automatic palette");
        }
        if (hints != null && order.variants() > 1 && !model) {
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
