package atelier.daemon;

/**
 * A region of the plane for drawing test pictures with exactly known coverage: pictures
 * are rendered by sub-sampling {@link #contains}.
 */
public interface Shape {

    boolean contains(double x, double y);

    static Shape circle(double cx, double cy, double r) {
        return (x, y) -> Math.hypot(x - cx, y - cy) <= r;
    }

    static Shape ring(double cx, double cy, double outer, double inner) {
        return (x, y) -> {
            double d = Math.hypot(x - cx, y - cy);
            return d <= outer && d >= inner;
        };
    }

    static Shape rect(double left, double top, double w, double h) {
        return (x, y) -> x >= left && x <= left + w && y >= top && y <= top + h;
    }

    static Shape roundedRect(double left, double top, double w, double h, double radius) {
        return (x, y) -> {
            double dx = Math.max(Math.max(left + radius - x, x - (left + w - radius)), 0);
            double dy = Math.max(Math.max(top + radius - y, y - (top + h - radius)), 0);
            return x >= left && x <= left + w && y >= top && y <= top + h && Math.hypot(dx, dy) <= radius;
        };
    }

    static Shape capsule(double x0, double y0, double x1, double y1, double halfWidth) {
        return (x, y) -> {
            double vx = x1 - x0, vy = y1 - y0;
            double t = Math.max(0, Math.min(1, ((x - x0) * vx + (y - y0) * vy) / (vx * vx + vy * vy)));
            return Math.hypot(x - (x0 + t * vx), y - (y0 + t * vy)) <= halfWidth;
        };
    }

    static Shape star(double cx, double cy, double outer, double inner, int points) {
        double[] xs = new double[points * 2], ys = new double[points * 2];
        for (int k = 0; k < points * 2; k++) {
            double angle = -Math.PI / 2 + k * Math.PI / points;
            double r = k % 2 == 0 ? outer : inner;
            xs[k] = cx + r * Math.cos(angle);
            ys[k] = cy + r * Math.sin(angle);
        }
        return polygon(xs, ys);
    }

    /** Even-odd polygon fill. */
    static Shape polygon(double[] xs, double[] ys) {
        return (x, y) -> {
            boolean inside = false;
            for (int i = 0, j = xs.length - 1; i < xs.length; j = i++) {
                if ((ys[i] > y) != (ys[j] > y) && x < (xs[j] - xs[i]) * (y - ys[i]) / (ys[j] - ys[i]) + xs[i]) {
                    inside = !inside;
                }
            }
            return inside;
        };
    }

    static Shape union(Shape... shapes) {
        return (x, y) -> {
            for (Shape s : shapes) {
                if (s.contains(x, y)) {
                    return true;
                }
            }
            return false;
        };
    }

    static Shape intersection(Shape a, Shape b) {
        return (x, y) -> a.contains(x, y) && b.contains(x, y);
    }
}
