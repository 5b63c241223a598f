package atelier.daemon.neural.diffusion.sampling;

/**
 * What DDIM and LCM runs share: they work on whole training timesteps in the network's own
 * "sqrt(ac) * x0 + sqrt(1 - ac) * noise" view, so the network input needs no scaling, pure
 * noise is already a valid start, and the clean estimate is the same formula.
 */
abstract class AlphaSpaceRun implements SchedulerRun {

    final NoiseSchedule schedule;
    final int[] timesteps;
    final StepOrder order;

    AlphaSpaceRun(NoiseSchedule schedule, int[] timesteps) {
        this.schedule = schedule;
        this.timesteps = timesteps;
        this.order = new StepOrder(timesteps.length);
    }

    @Override
    public int steps() {
        return timesteps.length;
    }

    @Override
    public double timestep(int i) {
        return timesteps[i];
    }

    @Override
    public double[] sigmas() {
        double[] levels = new double[timesteps.length + 1];
        for (int i = 0; i < timesteps.length; i++) {
            levels[i] = schedule.sigma(timesteps[i]);
        }
        levels[timesteps.length] = finalSigma();
        return levels;
    }

    /** The noise level the last step leaves the latents at. */
    abstract double finalSigma();

    /** The network sees the latents as they are: they already have its training variance. */
    @Override
    public double inputScale(int i) {
        return 1;
    }

    @Override
    public Latents fromNoise(Latents noise) {
        return noise;
    }

    @Override
    public Latents imageAtLevel(int i, Latents image, Latents noise) {
        if (i == timesteps.length) {
            return image;
        }
        double alpha = schedule.alphaCumprod(timesteps[i]);
        return image.combined(Math.sqrt(alpha), noise, Math.sqrt(1 - alpha));
    }

    /** x0 = (x - sqrt(1 - ac) * eps) / sqrt(ac) at a training timestep. */
    Latents predictedClean(Latents x, Latents predictedNoise, int timestep) {
        double alpha = schedule.alphaCumprod(timestep);
        return x.combined(1 / Math.sqrt(alpha), predictedNoise, -Math.sqrt((1 - alpha) / alpha));
    }
}
