package atelier.daemon.image;

/** A rectangle of pixels: left, top, width, height. Empty when width or height is 0. */
public record Bounds(int x, int y, int width, int height) {

    public Bounds {
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("negative bounds " + width + "x" + height);
        }
    }

    public static Bounds of(Extent extent) {
        return new Bounds(0, 0, extent.width(), extent.height());
    }

    public int right() {
        return x + width;
    }

    public int bottom() {
        return y + height;
    }

    public Extent extent() {
        return new Extent(width, height);
    }

    public boolean isEmpty() {
        return width == 0 || height == 0;
    }

    public boolean contains(int px, int py) {
        return px >= x && py >= y && px < right() && py < bottom();
    }

    /** Grown by the same margin on every side (may leave the canvas: clamp after). */
    public Bounds pad(int margin) {
        return new Bounds(x - margin, y - margin, width + 2 * margin, height + 2 * margin);
    }

    /** The part inside both; empty when they do not meet. */
    public Bounds intersect(Bounds other) {
        int left = Math.max(x, other.x);
        int top = Math.max(y, other.y);
        int r = Math.min(right(), other.right());
        int b = Math.min(bottom(), other.bottom());
        return r <= left || b <= top ? new Bounds(left, top, 0, 0) : new Bounds(left, top, r - left, b - top);
    }

    /** The smallest rectangle holding both; an empty one adds nothing. */
    public Bounds union(Bounds other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        int left = Math.min(x, other.x), top = Math.min(y, other.y);
        return new Bounds(left, top, Math.max(right(), other.right()) - left, Math.max(bottom(), other.bottom()) - top);
    }

    /** The part inside the canvas. */
    public Bounds clamp(Extent canvas) {
        return intersect(of(canvas));
    }

    /**
     * Grown so that width and height are multiples of n, keeping the centre, then
     * shifted back inside the canvas where it can be; clamped where the canvas is smaller.
     */
    public Bounds snapTo(int n, Extent canvas) {
        return grownTo(Math.min(Extent.roundUp(width, n), canvas.width()), Math.min(Extent.roundUp(height, n), canvas.height()),
                canvas);
    }

    /**
     * Grown (keeping the centre) so each side is at least {@code minSide} where the canvas
     * allows, then shifted back inside the canvas.
     */
    public Bounds atLeast(int minSide, Extent canvas) {
        return grownTo(Math.min(Math.max(width, minSide), canvas.width()), Math.min(Math.max(height, minSide), canvas.height()),
                canvas);
    }

    /** A w x h rectangle with this one's centre, shifted back inside the canvas where it can be. */
    private Bounds grownTo(int w, int h, Extent canvas) {
        int left = Math.max(0, Math.min(x - (w - width) / 2, canvas.width() - w));
        int top = Math.max(0, Math.min(y - (h - height) / 2, canvas.height() - h));
        return new Bounds(left, top, w, h);
    }

    /** The same rectangle in the coordinates of a region whose top left is origin's. */
    public Bounds relativeTo(Bounds origin) {
        return new Bounds(x - origin.x, y - origin.y, width, height);
    }

    public Bounds offset(int dx, int dy) {
        return new Bounds(x + dx, y + dy, width, height);
    }

    @Override
    public String toString() {
        return width + "x" + height + "+" + x + "+" + y;
    }
}
