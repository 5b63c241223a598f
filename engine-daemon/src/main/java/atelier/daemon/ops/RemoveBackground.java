package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.LayerRole;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.image.Bounds;
import atelier.daemon.image.MainSubject;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "Cut the icon out of this popup": the picture with the background made transparent,
 * as one layer that replaces it. The selection, when sent, is where the subject is, as a
 * designer draws it (a rough box or lasso): the engine looks for the subject in the
 * selection's bounds and a margin around them, and everything outside the selection is
 * transparent. A separate keep mask marks what must stay. Without a selection, when the
 * engine finds several separate things, those apart from the main subject are dropped and
 * the result's details say so.
 */
public final class RemoveBackground implements Edit {

    /** Around the selection's bounds the engine also sees this share of their size (at least {@link #MIN_MARGIN} px). */
    static final double MARGIN = 0.1;
    static final int MIN_MARGIN = 16;

    private final List<CutoutEngine> engines;
    private final Map<String, String> unavailable;
    private final String whenRefused;
    private final SelectionCutout busyInSelection;

    public RemoveBackground(List<CutoutEngine> engines) {
        this(engines, Map.of(), "install ISNet (`atelier models install isnet`) or select the subject", null);
    }

    /**
     * @param engines     those that can run, best first ("auto" takes the first)
     * @param unavailable engines a request may name that cannot run now (a damaged or missing
     *                    model), and the sentence that says how to enable each
     * @param whenRefused what to do when an engine refuses a picture, for the refusal's sentence
     * @param busyInSelection for a selected subject on a background the embedded engine refuses, or null
     */
    public RemoveBackground(List<CutoutEngine> engines, Map<String, String> unavailable, String whenRefused,
                            SelectionCutout busyInSelection) {
        this.engines = List.copyOf(engines);
        this.unavailable = Map.copyOf(unavailable);
        this.whenRefused = whenRefused;
        this.busyInSelection = busyInSelection;
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
        Raster picture = order.image();
        Mask where = nonEmpty(order.mask());
        Mask keep = nonEmpty(order.keep());
        Bounds region = where == null ? Bounds.of(picture.extent()) : around(where.bounds(), picture);
        Raster seen = where == null ? picture : picture.crop(region);
        Mask keepSeen = keep == null ? null : where == null ? keep : keep.crop(region);
        boolean inSelection = false;
        try {
            engine.check(seen, keepSeen);
        } catch (InvalidRequest refused) {
            // A busy background round a selected subject: learn it from round the selection instead.
            inSelection = where != null && busyInSelection != null && "embedded".equals(engine.info().getKind())
                    && "image".equals(refused.getField()) && seen.width() >= MIN_MARGIN && seen.height() >= MIN_MARGIN;
            if (!inSelection) {
                throw new InvalidRequest(refused.getField(), refused.getReason() + "; " + whenRefused);
            }
        }
        boolean learnsRoundSelection = inSelection;
        return progress -> {
            Raster cut = learnsRoundSelection ? busyInSelection.cutOut(seen, where.crop(region), progress)
                    : engine.cutOut(seen, keepSeen, progress);
            Raster cutout = Raster.blank(picture.extent());
            cutout.paste(cut, region.x(), region.y());
            Map<String, String> details = new LinkedHashMap<>();
            if (where != null) {
                limitTo(cutout, where);
                details.put("selection", where.bounds().toString());
                if (learnsRoundSelection) {
                    details.put("background", "busy: learned from round the selection (GrabCut)");
                }
            } else if ("model".equals(engine.info().getKind())) {
                // A salient-object model also finds cups and boats behind the icon; a backdrop model's
                // object is everything off the backdrop, every icon of a sheet, and stays whole.
                MainSubject.Kept kept = MainSubject.keep(cutout);
                if (kept.dropped() > 0) {
                    details.put("dropped", kept.dropped() + (kept.dropped() == 1 ? " separate object" : " separate objects")
                            + " apart from the main subject; select the subject to choose what is kept");
                }
            }
            if (keep != null) {
                keepMarked(cutout, picture, keep);
            }
            Raster pixels = order.alphaOnly() ? alphaAsGrey(cutout) : cutout;
            details.put("keep", keep == null ? "none" : keep.bounds().toString());
            details.put("output", order.alphaOnly() ? "alpha" : "cutout");
            return new EditOutcome(List.of(new ResultLayer(pixels, 0, 0, order.seed(), LayerRole.CUTOUT)),
                    picture.extent(), 0, 0, engine.info().getName(), details);
        };
    }

    private static Mask nonEmpty(Mask mask) {
        return mask == null || mask.selectedPixels() == 0 ? null : mask;
    }

    /** The selection's bounds with the margin, inside the picture. */
    static Bounds around(Bounds selection, Raster picture) {
        return around(selection, picture.extent());
    }

    private static Bounds around(Bounds selection, atelier.daemon.image.Extent canvas) {
        int margin = Math.max(MIN_MARGIN, (int) Math.round(MARGIN * Math.max(selection.width(), selection.height())));
        return selection.pad(margin).intersect(Bounds.of(canvas));
    }

    /** Inside a selection the engine sees its bounds and margin; without one, all of it. */
    @Override
    public Bounds contextRegion(Bounds selection, atelier.daemon.image.Extent canvas, String engine, boolean sampleFrom) {
        return selection == null ? Bounds.of(canvas) : around(selection, canvas);
    }

    /** Outside the selection nothing stays; along its soft edge the alpha is limited softly. */
    private static void limitTo(Raster cutout, Mask where) {
        byte[] rgba = cutout.rgba();
        byte[] selected = where.values();
        for (int i = 0; i < selected.length; i++) {
            int s = selected[i] & 0xff;
            if (s < 255) {
                rgba[i * 4 + 3] = (byte) ((rgba[i * 4 + 3] & 0xff) * s / 255);
            }
        }
    }

    /** What the keep mask marks stays, at least as opaque as marked (and as the picture is there). */
    private static void keepMarked(Raster cutout, Raster picture, Mask keep) {
        byte[] out = cutout.rgba();
        byte[] in = picture.rgba();
        byte[] kept = keep.values();
        for (int i = 0; i < kept.length; i++) {
            int k = (kept[i] & 0xff) * (in[i * 4 + 3] & 0xff) / 255;
            if (k > (out[i * 4 + 3] & 0xff)) {
                System.arraycopy(in, i * 4, out, i * 4, 3);
                out[i * 4 + 3] = (byte) k;
            }
        }
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
