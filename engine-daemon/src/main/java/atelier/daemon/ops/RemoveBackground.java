package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.LayerRole;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "Cut the icon out of this popup": the picture with the background made transparent,
 * as one layer that replaces it. The selection, when sent, is what must be kept.
 */
public final class RemoveBackground implements Edit {

    private final List<CutoutEngine> engines;
    private final Map<String, String> unavailable;

    public RemoveBackground(List<CutoutEngine> engines) {
        this(engines, Map.of());
    }

    /**
     * @param engines     those that can run, best first ("auto" takes the first)
     * @param unavailable engines a request may name that cannot run now (a damaged or missing
     *                    model), and the sentence that says how to enable each
     */
    public RemoveBackground(List<CutoutEngine> engines, Map<String, String> unavailable) {
        this.engines = List.copyOf(engines);
        this.unavailable = Map.copyOf(unavailable);
    }

    @Override
    public Operation operation() {
        return Operation.REMOVE_BACKGROUND;
    }

    @Override
    public List<EngineInfo> engines() {
        return engines.stream().map(CutoutEngine::info).toList();
    }

    @Override
    public String howToEnable() {
        return "remove-background needs the cut-out engine or the ISNet model (`atelier models install isnet`); this build has neither";
    }

    @Override
    public Work prepare(EditOrder order) throws InvalidRequest, Unsupported {
        String reason = unavailable.get(order.engine());
        if (reason != null) {
            throw new Unsupported(operation(), order.engine(), reason);
        }
        CutoutEngine engine = EngineChoice.pick(operation(), order.engine(), engines, CutoutEngine::info, howToEnable());
        if (order.variants() > 1) {
            throw new InvalidRequest("variants", engine.info().getName()
                    + " cuts the same way every time, so variants would be identical: ask for 1");
        }
        Mask keep = order.mask() == null || order.mask().selectedPixels() == 0 ? null : order.mask();
        engine.check(order.image(), keep);
        return progress -> {
            Raster cutout = engine.cutOut(order.image(), keep, progress);
            Raster pixels = order.alphaOnly() ? alphaAsGrey(cutout) : cutout;
            Map<String, String> details = new LinkedHashMap<>();
            details.put("keep", keep == null ? "none" : keep.bounds().toString());
            details.put("output", order.alphaOnly() ? "alpha" : "cutout");
            return new EditOutcome(List.of(new ResultLayer(pixels, 0, 0, order.seed(), LayerRole.CUTOUT)),
                    order.image().extent(), 0, 0, engine.info().getName(), details);
        };
    }

    /** The alpha as an opaque grey picture, the way a painter loads it as a mask. */
    static Raster alphaAsGrey(Raster cutout) {
        Raster grey = Raster.blank(cutout.extent());
        byte[] in = cutout.rgba();
        byte[] out = grey.rgba();
        for (int i = 0; i < in.length; i += 4) {
            out[i] = in[i + 3];
            out[i + 1] = in[i + 3];
            out[i + 2] = in[i + 3];
            out[i + 3] = (byte) 255;
        }
        return grey;
    }
}
