package atelier.daemon.image;

/**
 * The one policy that decides which part of the picture an engine sees: the selection's
 * bounds plus context around it, snapped to the engine's multiple and kept on the canvas.
 * Engines never do their own crop arithmetic.
 *
 * @param minPadding   context pixels on each side at least
 * @param paddingShare context as a share of the selection's larger side, when that is more
 * @param multiple     width and height of the region are multiples of this where the canvas allows
 */
public record ContextRegion(int minPadding, double paddingShare, int multiple) {

    public ContextRegion {
        if (minPadding < 0 || paddingShare < 0 || multiple < 1) {
            throw new IllegalArgumentException("bad context policy " + minPadding + ", " + paddingShare + ", " + multiple);
        }
    }

    /** The region to crop around the selection's bounds on a canvas. */
    public Bounds around(Bounds selection, Extent canvas) {
        int padding = Math.max(minPadding, (int) Math.ceil(Math.max(selection.width(), selection.height()) * paddingShare));
        return selection.pad(padding).clamp(canvas).snapTo(multiple, canvas);
    }
}
