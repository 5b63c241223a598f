package atelier.daemon.image;

/** Pixels added on each side of a canvas (outpaint). */
public record Margins(int left, int right, int top, int bottom) {

    public static final Margins NONE = new Margins(0, 0, 0, 0);

    public boolean isNone() {
        return left == 0 && right == 0 && top == 0 && bottom == 0;
    }
}
