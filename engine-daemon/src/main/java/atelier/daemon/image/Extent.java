package atelier.daemon.image;

/** A width and height in pixels. */
public record Extent(int width, int height) {

    public Extent {
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("negative extent " + width + "x" + height);
        }
    }

    public long pixels() {
        return (long) width * height;
    }

    public boolean isEmpty() {
        return width == 0 || height == 0;
    }

    /** Each side rounded up to a multiple of n. */
    public Extent multipleOf(int n) {
        return new Extent(roundUp(width, n), roundUp(height, n));
    }

    /** Grown by the given margins. */
    public Extent grow(int left, int right, int top, int bottom) {
        return new Extent(width + left + right, height + top + bottom);
    }

    static int roundUp(int value, int n) {
        return (value + n - 1) / n * n;
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
