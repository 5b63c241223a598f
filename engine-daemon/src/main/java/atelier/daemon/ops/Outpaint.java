package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.LayerRole;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.image.Bounds;
import atelier.daemon.image.Compositing;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Margins;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "Extend the canvas": grows the canvas by the requested margins (or to an aspect ratio)
 * and fills the new area from the picture, the way an uncrop does. The original pixels keep
 * their place; they keep their values too, except in a band of up to {@link #SEAM_BAND} px
 * (a quarter of the picture's shorter side, if less) along each grown side, where the fill is
 * blended over them, more the nearer the edge (at most 255 * 16/17 of it at the edge row), so
 * the seam does not show. Sides that did not grow are untouched.
 */
public final class Outpaint implements Edit {

    /** Pixels of the original, along each grown side, that blend into the new area. */
    static final int SEAM_BAND = 16;

    /**
     * How far a model may move the pre-filled new area when the request leaves strength at 1:
     * enough to redraw it, little enough that the uncrop's colours still guide it.
     */
    static final double MODEL_STRENGTH = 0.85;

    private final List<FillEngine> engines;
    private final List<InpaintEngine> models;

    public Outpaint(List<FillEngine> engines) {
        this(engines, List.of());
    }

    /** @param models diffusion models, tried first by "auto": they draw new content where an uncrop repeats */
    public Outpaint(List<FillEngine> engines, List<InpaintEngine> models) {
        this.engines = List.copyOf(engines);
        this.models = List.copyOf(models);
    }

    /** Each model as a fill of the new area under this request's settings, then the embedded engines. */
    private List<FillEngine> candidates(EditOrder order) {
        List<FillEngine> all = new ArrayList<>();
        for (InpaintEngine model : models) {
            all.add(new ModelFill(model, engines.get(0), order.prompt(), order.negativePrompt(),
                    Math.min(order.strength(), MODEL_STRENGTH), order.steps(), order.diffusion()));
        }
        all.addAll(engines);
        return all;
    }

    @Override
    public Operation operation() {
        return Operation.OUTPAINT;
    }

    @Override
    public List<EngineInfo> engines() {
        List<EngineInfo> all = new ArrayList<>();
        models.forEach(model -> all.add(model.info()));
        all.addAll(engines.stream().map(FillEngine::info).toList());
        return all;
    }

    @Override
    public String howToEnable() {
        return "this build has no outpaint engine";
    }

    @Override
    public Work prepare(EditOrder order) throws InvalidRequest, Unsupported {
        FillEngine engine = EngineChoice.pick(operation(), order.engine(), candidates(order), FillEngine::info, howToEnable());
        if (engine instanceof ModelFill model) {
            model.model().check(order.diffusion());
        }
        Raster image = order.image();
        if (image.width() < ContentFill.MIN_SIDE || image.height() < ContentFill.MIN_SIDE) {
            throw new InvalidRequest("image", image.extent() + " is too small to extend: at least "
                    + ContentFill.MIN_SIDE + "x" + ContentFill.MIN_SIDE);
        }
        Margins margins = margins(order);
        if (order.variants() > 1 && !engine.seeded()) {
            throw new InvalidRequest("variants", engine.info().getName() + " extends the same way every time: ask for 1");
        }
        Extent grown = image.extent().grow(margins.left(), margins.right(), margins.top(), margins.bottom());
        return progress -> {
            Raster canvas = Raster.blank(grown);
            canvas.paste(image, margins.left(), margins.top());
            Mask newArea = newAreaWithSeamBand(grown, new Bounds(margins.left(), margins.top(), image.width(), image.height()), margins);
            Bounds hole = newArea.bounds();
            Bounds region = engine.context().around(hole, grown);
            List<ResultLayer> layers = new ArrayList<>();
            List<Long> seeds = java.util.stream.LongStream.range(0, order.variants()).map(v -> order.seed() + v).boxed().toList();
            progress.step(0, "extending");
            List<Raster> fills = engine.fillVariants(canvas.crop(region), newArea.crop(region), null, seeds,
                    progress.span(0, 0.95));
            for (int v = 0; v < seeds.size(); v++) {
                Raster result = canvas.copy();
                result.paste(Compositing.blendInside(canvas, fills.get(v).crop(hole.relativeTo(region)), newArea, hole), hole.x(),
                        hole.y());
                layers.add(new ResultLayer(result, 0, 0, seeds.get(v), LayerRole.PATCH));
            }
            Map<String, String> details = new LinkedHashMap<>();
            if (engine instanceof ModelFill model) {
                details.putAll(model.details());
                details.put("seed", String.valueOf(order.seed()));
            }
            details.put("margins", margins.left() + "," + margins.right() + "," + margins.top() + "," + margins.bottom());
            return new EditOutcome(layers, grown, margins.left(), margins.top(), engine.info().getName(), details);
        };
    }

    /** The requested margins, or those that reach the aspect ratio by growing the short sides evenly. */
    static Margins margins(EditOrder order) throws InvalidRequest {
        Extent image = order.image().extent();
        if (order.aspectRatio() != null) {
            double ratio = order.aspectRatio();
            double current = image.width() / (double) image.height();
            if (Math.abs(current - ratio) * image.height() < 1 && Math.abs(1 / current - 1 / ratio) * image.width() < 1) {
                throw new InvalidRequest("aspectRatio", "the picture already is " + image + ": nothing to extend");
            }
            if (current < ratio) {
                int grow = (int) Math.round(image.height() * ratio) - image.width();
                return new Margins(grow / 2, grow - grow / 2, 0, 0);
            }
            int grow = (int) Math.round(image.width() / ratio) - image.height();
            return new Margins(0, 0, grow / 2, grow - grow / 2);
        }
        if (order.extend().isNone()) {
            throw new InvalidRequest("extend", "grow at least one side (left, right, top or bottom), or give an aspectRatio");
        }
        return order.extend();
    }

    /**
     * 255 on the new area, and a band of the original along each grown side fading from
     * 255 to 0 inwards: the engine redraws the band too and the blend hides the old border.
     */
    static Mask newAreaWithSeamBand(Extent canvas, Bounds original, Margins margins) {
        int band = Math.max(1, Math.min(SEAM_BAND, Math.min(original.width(), original.height()) / 4));
        Mask mask = Mask.empty(canvas);
        for (int y = 0; y < canvas.height(); y++) {
            for (int x = 0; x < canvas.width(); x++) {
                if (!original.contains(x, y)) {
                    mask.set(x, y, 255);
                    continue;
                }
                int d = Integer.MAX_VALUE;
                if (margins.left() > 0) {
                    d = Math.min(d, x - original.x());
                }
                if (margins.right() > 0) {
                    d = Math.min(d, original.right() - 1 - x);
                }
                if (margins.top() > 0) {
                    d = Math.min(d, y - original.y());
                }
                if (margins.bottom() > 0) {
                    d = Math.min(d, original.bottom() - 1 - y);
                }
                if (d < band) {
                    mask.set(x, y, (int) Math.round(255.0 * (band - d) / (band + 1)));
                }
            }
        }
        return mask;
    }
}
