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

    /** What a model fill is told not to paint when the request names nothing: the fill should add nothing new. */
    static final String NO_NEW_OBJECTS = "object, person, animal, text, letters, watermark, logo, frame";

    private final List<FillEngine> engines;
    private final List<InpaintEngine> models;

    public ContentFill(List<FillEngine> engines) {
        this(engines, List.of());
    }

    /** @param models diffusion models that can also fill, after the embedded engines ("auto" stays embedded: fast) */
    public ContentFill(List<FillEngine> engines, List<InpaintEngine> models) {
        this.engines = List.copyOf(engines);
        this.models = List.copyOf(models);
    }

    /** The embedded engines, then each model as a fill under this request's settings. */
    private List<FillEngine> candidates(EditOrder order) {
        List<FillEngine> all = new ArrayList<>(engines);
        String negative = order.negativePrompt().isBlank() ? NO_NEW_OBJECTS : order.negativePrompt();
        for (InpaintEngine model : models) {
            all.add(new ModelFill(model, engines.get(0), order.prompt(), negative, order.strength(), order.steps(), order.diffusion()));
        }
        return all;
    }

    @Override
    public Operation operation() {
        return Operation.CONTENT_FILL;
    }

    @Override
    public List<EngineInfo> engines() {
        List<EngineInfo> all = new ArrayList<>(engines.stream().map(FillEngine::info).toList());
        models.forEach(model -> all.add(model.info()));
        return all;
    }

    @Override
    public String howToEnable() {
        return "this build has no content-fill engine";
    }

    /**
     * What any of the engines could look at (the engine is picked from the pixels' request, so
     * the union covers every choice); a sample region may lie anywhere, so with one: everything.
     */
    @Override
    public Bounds contextRegion(Bounds selection, atelier.daemon.image.Extent canvas, String engine, boolean sampleFrom) {
        if (selection == null || sampleFrom) {
            return Bounds.of(canvas);
        }
        Bounds region = models.isEmpty() ? selection.clamp(canvas) : ModelFill.CONTEXT.around(selection, canvas);
        for (FillEngine classic : engines) {
            region = region.union(classic.context().around(selection, canvas));
        }
        return region;
    }

    /** Patches need room: smaller pictures have nothing to fill from. */
    static final int MIN_SIDE = 8;

    @Override
    public Work prepare(EditOrder order) throws InvalidRequest, Unsupported {
        FillEngine engine = EngineChoice.pick(operation(), order.engine(), candidates(order), FillEngine::info, howToEnable());
        if (engine instanceof ModelFill model) {
            model.model().check(order.diffusion());
        }
        if (order.image().width() < MIN_SIDE || order.image().height() < MIN_SIDE) {
            throw new InvalidRequest("image", order.image().extent() + " is too small to fill from: at least "
                    + MIN_SIDE + "x" + MIN_SIDE);
        }
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
        Mask sampleFrom = order.sampleFrom();
        Bounds contextRegion = engine.context().around(hole, order.image().extent());
        if (sampleFrom != null) {
            if (!engine.samplesFromRegion()) {
                throw new InvalidRequest("sampleFrom", engine.info().getName()
                        + " cannot take material from a chosen region; use the patchmatch engine");
            }
            Bounds usable = outsideSelection(sampleFrom, mask);
            if (usable.isEmpty()) {
                throw new InvalidRequest("sampleFrom", "selects nothing outside the selection: there is nothing to sample");
            }
            // The sample region may lie far from the hole: widen the crop to hold both.
            contextRegion = contextRegion.union(usable);
        }
        Bounds region = contextRegion;
        return progress -> {
            Raster image = order.image();
            List<ResultLayer> layers = new ArrayList<>();
            List<Long> seeds = java.util.stream.LongStream.range(0, order.variants()).map(v -> order.seed() + v).boxed().toList();
            progress.step(0, "filling");
            List<Raster> fills = engine.fillVariants(image.crop(region), mask.crop(region),
                    sampleFrom == null ? null : sampleFrom.crop(region), seeds, progress.span(0, 0.95));
            for (int v = 0; v < seeds.size(); v++) {
                Raster patch = Compositing.blendInside(image, fills.get(v).crop(hole.relativeTo(region)), mask, hole);
                layers.add(new ResultLayer(patch, hole.x(), hole.y(), seeds.get(v), LayerRole.PATCH));
            }
            Map<String, String> details = new LinkedHashMap<>();
            if (engine instanceof ModelFill model) {
                details.putAll(model.details());
                details.put("seed", String.valueOf(order.seed()));
            }
            details.put("context", region.toString());
            details.put("hole", hole.toString());
            return new EditOutcome(layers, image.extent(), 0, 0, engine.info().getName(), details);
        };
    }

    /** The bounds of what the sample region allows outside the selection. */
    private static Bounds outsideSelection(Mask sampleFrom, Mask selection) {
        Mask usable = Mask.empty(sampleFrom.extent());
        byte[] allowed = sampleFrom.values(), selected = selection.values(), out = usable.values();
        for (int i = 0; i < out.length; i++) {
            out[i] = allowed[i] != 0 && selected[i] == 0 ? (byte) 255 : 0;
        }
        return usable.bounds();
    }
}
