package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.image.Compositing;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Colorize with a model, as a flats engine: the embedded flats (from the hints, or a palette
 * per seed) under the lines make the start picture, and the model repaints it at the request's
 * strength, steered by the lines. Made per request: prompt and settings belong to it.
 */
final class ModelColorize implements FlatsEngine {

    /** What "one click" asks the model for when the artist types nothing. */
    static final String DEFAULT_PROMPT = "colored illustration, clean flat colors, soft shading, best quality";
    static final String DEFAULT_NEGATIVE = "monochrome, greyscale, sketch, blurry, text, watermark";

    private final LineArtPainter painter;
    private final FlatsEngine flats;
    private final String prompt;
    private final String negativePrompt;
    private final double strength;
    private final int steps;
    private final DiffusionSettings settings;

    ModelColorize(LineArtPainter painter, FlatsEngine flats, EditOrder order, double strength) {
        this.painter = painter;
        this.flats = flats;
        this.prompt = order.prompt().isBlank() ? DEFAULT_PROMPT : order.prompt();
        this.negativePrompt = order.negativePrompt().isBlank() ? DEFAULT_NEGATIVE : order.negativePrompt();
        this.strength = strength;
        this.steps = order.steps() != null ? order.steps() : order.diffusion().defaultSteps();
        this.settings = order.diffusion();
    }

    @Override
    public EngineInfo info() {
        return painter.info();
    }

    LineArtPainter painter() {
        return painter;
    }

    @Override
    public Plan plan(Raster lineArt, Raster hints, int gapClosing) throws InvalidRequest {
        Plan start = flats.plan(lineArt, hints, gapClosing);
        return (seeds, progress) -> {
            Map<String, String> details = new LinkedHashMap<>();
            Flats bases = start.paint(seeds, progress.span(0, 0.05));
            details.putAll(bases.details());
            List<Raster> starts = new ArrayList<>();
            for (Raster base : bases.variants()) {
                // The empty outside of the flats is paper in the start picture.
                starts.add(Compositing.multiply(Compositing.overWhite(lineArt), Compositing.overWhite(base)));
            }
            List<Raster> painted = painter.paint(lineArt, starts, new InpaintEngine.Prompted(prompt, negativePrompt, strength, steps,
                    seeds, settings), progress.span(0.05, 1), details);
            details.put("prompt", prompt);
            details.put("steps", String.valueOf(steps));
            details.put("strength", String.valueOf(strength));
            details.put("start", flats.info().getName());
            return new Flats(painted, details);
        };
    }
}
