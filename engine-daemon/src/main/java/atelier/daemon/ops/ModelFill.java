package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.daemon.image.ContextRegion;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A diffusion model doing a fill's job (content-fill with a model, outpaint's new area): the
 * embedded patch fill first gives the hole plausible colours, then the model repaints it from
 * there at {@code strength}, under the request's prompt. Made per request, since the prompt
 * and sampling settings belong to the request.
 */
final class ModelFill implements FillEngine {

    /** The model sees at least this much around the hole (WorkingResolution then grows it to the model's size). */
    static final ContextRegion CONTEXT = new ContextRegion(64, 0.5, 8);

    private final InpaintEngine model;
    private final FillEngine prefill;
    private final String prompt;
    private final String negativePrompt;
    private final double strength;
    private final int steps;
    private final DiffusionSettings settings;
    private final Map<String, String> details = new LinkedHashMap<>();

    ModelFill(InpaintEngine model, FillEngine prefill, String prompt, String negativePrompt, double strength, Integer steps,
              DiffusionSettings settings) {
        this.model = model;
        this.prefill = prefill;
        this.prompt = prompt;
        this.negativePrompt = negativePrompt;
        this.strength = strength;
        this.steps = steps != null ? steps : settings.defaultSteps();
        this.settings = settings;
    }

    @Override
    public EngineInfo info() {
        return model.info();
    }

    @Override
    public boolean seeded() {
        return true;
    }

    @Override
    public ContextRegion context() {
        return CONTEXT;
    }

    @Override
    public boolean samplesFromRegion() {
        return false;
    }

    InpaintEngine model() {
        return model;
    }

    /** What reproduces the last fill: model, scheduler, LoRAs, steps, strength. */
    Map<String, String> details() {
        Map<String, String> all = new LinkedHashMap<>(details);
        all.put("steps", String.valueOf(steps));
        all.put("strength", String.valueOf(strength));
        all.put("prefill", prefill.info().getName());
        return all;
    }

    @Override
    public Raster fill(Raster picture, Mask hole, Mask sampleFrom, long seed, Progress progress) throws JobCancelledException {
        return fillVariants(picture, hole, sampleFrom, java.util.List.of(seed), progress).get(0);
    }

    /** The patch fill of the first seed is every variant's start; the variants differ in the model's noise. */
    @Override
    public java.util.List<Raster> fillVariants(Raster picture, Mask hole, Mask sampleFrom, java.util.List<Long> seeds,
                                               Progress progress) throws JobCancelledException {
        Raster start = prefill.fill(picture, hole, null, seeds.get(0), progress.span(0, 0.1));
        // The patch fill's pixels only inside the hole: the model must see the picture as it is elsewhere.
        Raster composed = atelier.daemon.image.Compositing.blendInside(picture, start, hole,
                atelier.daemon.image.Bounds.of(picture.extent()));
        return model.inpaint(composed, hole, new InpaintEngine.Prompted(prompt, negativePrompt, strength, steps, seeds, settings),
                progress.span(0.1, 1), details);
    }
}
