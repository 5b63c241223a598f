package atelier.daemon.neural.diffusion;

import atelier.daemon.neural.diffusion.sampling.FloatLatents;
import atelier.daemon.neural.diffusion.sampling.LatentShape;
import atelier.daemon.neural.diffusion.sampling.Latents;

/**
 * SD 1.5's schedule written out again, plainly, so tests compare the schedulers with
 * numbers that do not come from them: betas = linspace(sqrt(0.00085), sqrt(0.012), 1000)^2.
 */
public final class Sd15Reference {

    public static final double[] ALPHAS_CUMPROD = new double[1000];
    public static final double[] SIGMAS = new double[1000];

    static {
        double product = 1;
        for (int t = 0; t < 1000; t++) {
            double beta = Math.pow(Math.sqrt(0.00085) + t * (Math.sqrt(0.012) - Math.sqrt(0.00085)) / 999, 2);
            product = product * (1 - beta);
            ALPHAS_CUMPROD[t] = product;
            SIGMAS[t] = Math.sqrt((1 - product) / product);
        }
    }

    private Sd15Reference() {
    }

    /** numpy.interp(t, arange(1000), SIGMAS). */
    public static double sigmaAt(double t) {
        if (t >= 999) {
            return SIGMAS[999];
        }
        int low = (int) t;
        return SIGMAS[low] * (low + 1 - t) + SIGMAS[low + 1] * (t - low);
    }

    /** The signal left at a (fractional) timestep, from its sigma: x0 + sigma * n is (sqrt(ac) x0 + sqrt(1 - ac) n) / sqrt(ac). */
    public static double alphaCumprodAt(double t) {
        double sigma = sigmaAt(t);
        return 1 / (1 + sigma * sigma);
    }

    /** A toy "picture" and "noise" of 4 x 3 x 5 values. */
    public static final LatentShape SHAPE = new LatentShape(4, 3, 5);

    public static Latents ramp(double scale) {
        float[] values = new float[SHAPE.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (scale * Math.sin(0.7 * i + 0.3));
        }
        return FloatLatents.of(SHAPE, values);
    }

    public static double maxDifference(Latents a, Latents b) {
        float[] x = a.toFloats();
        float[] y = b.toFloats();
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }
}
