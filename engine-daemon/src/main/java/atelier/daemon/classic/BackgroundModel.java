package atelier.daemon.classic;

import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import java.util.Arrays;

/**
 * The background as a smooth colour field: one quadratic polynomial per channel over the
 * picture, fitted to its border. Plain backdrops, linear and radial gradients and
 * vignettes all fit it. Border pixels that belong to an object touching the edge are
 * left out by refitting on the pixels close to the fit (a trimmed fit), which holds as
 * long as the object covers less than about half of the border.
 */
public final class BackgroundModel {

    /** 1, u, v, u², uv, v² in coordinates running from -1 to 1 across the picture. */
    private static final int TERMS = 6;
    private static final int MAX_SAMPLES = 8000;
    private static final int MIN_SAMPLES = 16;
    private static final int REFITS = 10;

    private final double[][] coefficients;
    private final double spread;
    private final double inlierShare;

    private BackgroundModel(double[][] coefficients, double spread, double inlierShare) {
        this.coefficients = coefficients;
        this.spread = spread;
        this.inlierShare = inlierShare;
    }

    /**
     * Fits the model to the picture's border, skipping pixels the keep mask selects and
     * fully transparent ones.
     *
     * @throws IllegalArgumentException when too few border pixels are left to fit
     */
    public static BackgroundModel fitToBorder(Raster picture, Mask keep) {
        Samples samples = borderSamples(picture, keep);
        if (samples.count < MIN_SAMPLES) {
            throw new IllegalArgumentException("only " + samples.count + " usable border pixels");
        }
        boolean[] inlier = new boolean[samples.count];
        Arrays.fill(inlier, true);
        double[][] fit = null;
        double[] residual = new double[samples.count];
        // Constant, then linear, then quadratic, each starting from the pixels the simpler fit
        // explained: a quadratic fitted to everything at once can bend to take in an object
        // covering one whole side.
        for (int terms : new int[] {1, 3, TERMS}) {
            for (int round = 0; round < REFITS; round++) {
                fit = solve(samples, inlier, terms);
                for (int i = 0; i < samples.count; i++) {
                    residual[i] = samples.distance(i, fit);
                }
                // The median over all samples is a background pixel's while objects cover under half the border.
                double limit = 3 * median(residual, null) + 4;
                boolean changed = false;
                for (int i = 0; i < samples.count; i++) {
                    boolean in = residual[i] <= limit;
                    changed |= in != inlier[i];
                    inlier[i] = in;
                }
                if (!changed) {
                    break;
                }
            }
        }
        int inliers = 0;
        for (boolean in : inlier) {
            inliers += in ? 1 : 0;
        }
        return new BackgroundModel(fit, median(residual, inlier), (double) inliers / samples.count);
    }

    /** Typical distance (RGB, 0..441) of a background border pixel from the model: the backdrop's noise or texture. */
    public double spread() {
        return spread;
    }

    /** Share of the border the model explains; the rest is objects touching the edge. */
    public double inlierShare() {
        return inlierShare;
    }

    /** Red, green and blue of the model at every pixel of a width x height picture, 3 floats a pixel. */
    public float[] colours(int width, int height) {
        float[] rgb = new float[width * height * 3];
        double[] terms = new double[TERMS];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                terms(x, y, width, height, terms);
                int i = (y * width + x) * 3;
                for (int c = 0; c < 3; c++) {
                    rgb[i + c] = (float) Math.max(0, Math.min(255, dot(coefficients[c], terms)));
                }
            }
        }
        return rgb;
    }

    /** How far each pixel's colour is from the model (Euclidean in RGB). */
    public float[] distances(Raster picture) {
        int w = picture.width(), h = picture.height();
        float[] model = colours(w, h);
        float[] distance = new float[w * h];
        byte[] p = picture.rgba();
        for (int i = 0; i < distance.length; i++) {
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                double d = (p[i * 4 + c] & 0xFF) - model[i * 3 + c];
                sum += d * d;
            }
            distance[i] = (float) Math.sqrt(sum);
        }
        return distance;
    }

    /** How much the model's colour changes across the picture: 0 for a plain backdrop. */
    public double colourRange(int width, int height) {
        double range = 0;
        int[][] points = {{0, 0}, {width - 1, 0}, {0, height - 1}, {width - 1, height - 1}, {width / 2, height / 2}};
        double[] terms = new double[TERMS];
        double[][] at = new double[points.length][3];
        for (int k = 0; k < points.length; k++) {
            terms(points[k][0], points[k][1], width, height, terms);
            for (int c = 0; c < 3; c++) {
                at[k][c] = dot(coefficients[c], terms);
            }
        }
        for (double[] a : at) {
            for (double[] b : at) {
                double sum = 0;
                for (int c = 0; c < 3; c++) {
                    sum += (a[c] - b[c]) * (a[c] - b[c]);
                }
                range = Math.max(range, Math.sqrt(sum));
            }
        }
        return range;
    }

    private static void terms(int x, int y, int width, int height, double[] out) {
        double u = width > 1 ? 2.0 * x / (width - 1) - 1 : 0;
        double v = height > 1 ? 2.0 * y / (height - 1) - 1 : 0;
        out[0] = 1;
        out[1] = u;
        out[2] = v;
        out[3] = u * u;
        out[4] = u * v;
        out[5] = v * v;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /**
     * Least squares per channel over the inliers with the first {@code used} terms (the
     * others 0); a small ridge keeps it solvable when only one side of the border is left.
     */
    private static double[][] solve(Samples s, boolean[] inlier, int used) {
        double[][] normal = new double[TERMS][TERMS];
        double[][] rhs = new double[3][TERMS];
        for (int i = 0; i < s.count; i++) {
            if (!inlier[i]) {
                continue;
            }
            double[] t = s.terms[i];
            for (int a = 0; a < used; a++) {
                for (int b = 0; b < used; b++) {
                    normal[a][b] += t[a] * t[b];
                }
                for (int c = 0; c < 3; c++) {
                    rhs[c][a] += t[a] * s.rgb[i][c];
                }
            }
        }
        double ridge = 1e-3 * Math.max(1, normal[0][0]);
        for (int a = 1; a < TERMS; a++) {
            normal[a][a] += a < used ? ridge : 1;
        }
        double[][] coefficients = new double[3][];
        for (int c = 0; c < 3; c++) {
            coefficients[c] = gaussianElimination(copy(normal), rhs[c].clone());
        }
        return coefficients;
    }

    private static double[][] copy(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
    }

    private static double[] gaussianElimination(double[][] a, double[] b) {
        int n = b.length;
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int row = col + 1; row < n; row++) {
                if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) {
                    pivot = row;
                }
            }
            double[] rowSwap = a[col];
            a[col] = a[pivot];
            a[pivot] = rowSwap;
            double bSwap = b[col];
            b[col] = b[pivot];
            b[pivot] = bSwap;
            if (Math.abs(a[col][col]) < 1e-12) {
                continue;
            }
            for (int row = col + 1; row < n; row++) {
                double f = a[row][col] / a[col][col];
                for (int k = col; k < n; k++) {
                    a[row][k] -= f * a[col][k];
                }
                b[row] -= f * b[col];
            }
        }
        double[] x = new double[n];
        for (int row = n - 1; row >= 0; row--) {
            double sum = b[row];
            for (int k = row + 1; k < n; k++) {
                sum -= a[row][k] * x[k];
            }
            x[row] = Math.abs(a[row][row]) < 1e-12 ? 0 : sum / a[row][row];
        }
        return x;
    }

    private static double median(double[] values, boolean[] only) {
        double[] picked = new double[values.length];
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            if (only == null || only[i]) {
                picked[n++] = values[i];
            }
        }
        if (n == 0) {
            return 0;
        }
        Arrays.sort(picked, 0, n);
        return picked[n / 2];
    }

    /** Border pixels with their polynomial terms, evenly thinned to a bounded count. */
    private static Samples borderSamples(Raster picture, Mask keep) {
        int w = picture.width(), h = picture.height();
        int ring = Math.max(1, Math.min(4, Math.min(w, h) / 64));
        long ringPixels = 2L * ring * (w + h);
        int stride = (int) Math.max(1, ringPixels / MAX_SAMPLES);
        Samples s = new Samples((int) (ringPixels / stride) + 2 * ring * 4 + 8);
        double[] terms = new double[TERMS];
        int seen = 0;
        for (int y = 0; y < h; y++) {
            boolean edgeRow = y < ring || y >= h - ring;
            for (int x = 0; x < w; x++) {
                if (!edgeRow && x == ring) {
                    x = Math.max(x, w - ring);
                }
                if (!(edgeRow || x < ring || x >= w - ring)) {
                    continue;
                }
                if (seen++ % stride != 0 || picture.channel(x, y, 3) == 0 || (keep != null && keep.at(x, y) > 0)) {
                    continue;
                }
                terms(x, y, w, h, terms);
                s.add(terms, picture.channel(x, y, 0), picture.channel(x, y, 1), picture.channel(x, y, 2));
            }
        }
        return s;
    }

    private static final class Samples {
        double[][] terms;
        double[][] rgb;
        int count;

        Samples(int capacity) {
            terms = new double[capacity][];
            rgb = new double[capacity][];
        }

        void add(double[] t, int r, int g, int b) {
            if (count == terms.length) {
                terms = Arrays.copyOf(terms, count * 2);
                rgb = Arrays.copyOf(rgb, count * 2);
            }
            terms[count] = t.clone();
            rgb[count] = new double[] {r, g, b};
            count++;
        }

        double distance(int i, double[][] fit) {
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                double d = rgb[i][c] - dot(fit[c], terms[i]);
                sum += d * d;
            }
            return Math.sqrt(sum);
        }
    }
}
