package atelier.daemon.neural.diffusion.sampling;

/**
 * The discrete-time noise schedule a network was trained with: at training step t
 * (0..T-1) a clean latent x0 became {@code sqrt(ac[t]) * x0 + sqrt(1 - ac[t]) * noise},
 * ac being the cumulative product of {@code 1 - beta}. The same schedule read as
 * "x0 + sigma * noise" (k-diffusion's view) has {@code sigma[t] = sqrt((1 - ac[t]) / ac[t])}.
 * Every scheduler derives its steps from this one table.
 */
public final class NoiseSchedule {

    /**
     * SD 1.5: 1000 steps, "scaled linear" betas from 0.00085 to 0.012 (linear in sqrt(beta)),
     * as in the CompVis v1-inference.yaml and diffusers' scheduler_config.json.
     */
    public static final NoiseSchedule SD15 = scaledLinear(1000, 0.00085, 0.012);

    private final double[] alphasCumprod;
    private final double[] sigmas;
    private final double[] logSigmas;

    private NoiseSchedule(double[] alphasCumprod) {
        this.alphasCumprod = alphasCumprod;
        this.sigmas = new double[alphasCumprod.length];
        this.logSigmas = new double[alphasCumprod.length];
        for (int t = 0; t < alphasCumprod.length; t++) {
            sigmas[t] = Math.sqrt((1 - alphasCumprod[t]) / alphasCumprod[t]);
            logSigmas[t] = Math.log(sigmas[t]);
        }
    }

    /** Betas evenly spaced in square root between the two ends, then squared. */
    public static NoiseSchedule scaledLinear(int trainingSteps, double betaStart, double betaEnd) {
        if (trainingSteps < 2) {
            throw new IllegalArgumentException("a schedule needs at least 2 training steps, got " + trainingSteps);
        }
        double from = Math.sqrt(betaStart);
        double to = Math.sqrt(betaEnd);
        double[] alphasCumprod = new double[trainingSteps];
        double product = 1;
        for (int t = 0; t < trainingSteps; t++) {
            double root = from + (to - from) * t / (trainingSteps - 1);
            product *= 1 - root * root;
            alphasCumprod[t] = product;
        }
        return new NoiseSchedule(alphasCumprod);
    }

    /** T, the number of training steps. */
    public int trainingSteps() {
        return alphasCumprod.length;
    }

    /** How much of the clean signal's variance is left at step t. */
    public double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    /** The noise level at step t in k-diffusion's "x0 + sigma * noise" view. */
    public double sigma(int t) {
        return sigmas[t];
    }

    /** The least noise the network was trained on (step 0). */
    public double sigmaMin() {
        return sigmas[0];
    }

    /** The most noise the network was trained on (step T-1). */
    public double sigmaMax() {
        return sigmas[sigmas.length - 1];
    }

    /**
     * The noise level at a fractional timestep, linear between neighbouring steps and held
     * at the ends (numpy's {@code interp}, as diffusers' Euler schedulers use it).
     */
    public double sigmaAt(double timestep) {
        if (timestep <= 0) {
            return sigmas[0];
        }
        int last = sigmas.length - 1;
        if (timestep >= last) {
            return sigmas[last];
        }
        int low = (int) Math.floor(timestep);
        double w = timestep - low;
        return sigmas[low] + w * (sigmas[low + 1] - sigmas[low]);
    }

    /**
     * The fractional timestep whose noise level is {@code sigma}, linear in log sigma
     * between neighbouring steps and held at the ends: how a network trained on discrete
     * steps is told the level of a Karras sigma (diffusers' {@code _sigma_to_t},
     * k-diffusion's {@code DiscreteSchedule.sigma_to_t}).
     */
    public double timestepOf(double sigma) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        // The last step whose log sigma is at most ours, kept one short of the end so a
        // neighbour above exists; sigmas grow with t.
        int low = 0;
        for (int t = 0; t < logSigmas.length; t++) {
            if (logSigmas[t] <= logSigma) {
                low = t;
            }
        }
        low = Math.min(low, logSigmas.length - 2);
        double w = (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[low + 1]);
        w = Math.max(0, Math.min(1, w));
        return (1 - w) * low + w * (low + 1);
    }
}
