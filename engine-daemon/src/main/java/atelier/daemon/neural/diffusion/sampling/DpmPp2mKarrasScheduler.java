package atelier.daemon.neural.diffusion.sampling;

/**
 * DPM-Solver++(2M) (Lu et al. 2022; k-diffusion {@code sample_dpmpp_2m}, diffusers
 * {@code DPMSolverMultistepScheduler} with {@code use_karras_sigmas}): a second-order
 * multistep method in log-sigma time that reuses the previous step's clean estimate, so
 * it costs one network call a step. The first step, and the last (to sigma 0), are first
 * order. Sigmas follow Karras et al.'s rho = 7 spacing between the schedule's least and
 * most noise, which spends more steps at low noise where detail forms.
 */
public final class DpmPp2mKarrasScheduler implements Scheduler {

    /** Karras et al.'s spacing exponent. */
    static final double RHO = 7;

    private final NoiseSchedule schedule;

    public DpmPp2mKarrasScheduler(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public String name() {
        return "dpmpp-2m-karras";
    }

    @Override
    public SchedulerRun plan(int steps, double strength) {
        int first = Strength.firstStep(steps, strength);
        double[] sigmas = karrasSigmas(schedule.sigmaMin(), schedule.sigmaMax(), steps);
        double[] timesteps = new double[steps];
        for (int i = 0; i < steps; i++) {
            // Fractional, as k-diffusion's CompVisDenoiser tells the network (diffusers rounds; the
            // reference runs of ./bench reference are k-diffusion's).
            timesteps[i] = schedule.timestepOf(sigmas[i]);
        }
        return new SigmaRun(sigmas, timesteps, first) {
            private Latents previousDenoised;

            @Override
            Latents advance(int i, Latents x, Latents predictedNoise, Latents denoised, NoiseSource noise) {
                Latents estimate = denoised;
                double sigma = sigmas[i];
                double next = sigmas[i + 1];
                Latents result;
                if (next == 0) {
                    result = denoised;
                } else {
                    double h = Math.log(sigma / next);
                    if (previousDenoised != null) {
                        double r = Math.log(sigmas[i - 1] / sigma) / h;
                        estimate = denoised.combined(1 + 1 / (2 * r), previousDenoised, -1 / (2 * r));
                    }
                    result = x.combined(next / sigma, estimate, -Math.expm1(-h));
                }
                previousDenoised = denoised;
                return result;
            }
        };
    }

    /** Karras et al. (2022) eq. 5: evenly spaced in sigma^(1/rho) from max to min, then 0. */
    static double[] karrasSigmas(double sigmaMin, double sigmaMax, int steps) {
        Strength.requireSteps(steps);
        double maxRoot = Math.pow(sigmaMax, 1 / RHO);
        double minRoot = Math.pow(sigmaMin, 1 / RHO);
        double[] sigmas = new double[steps + 1];
        for (int i = 0; i < steps; i++) {
            double ramp = steps == 1 ? 0 : (double) i / (steps - 1);
            sigmas[i] = Math.pow(maxRoot + ramp * (minRoot - maxRoot), RHO);
        }
        return sigmas;
    }
}
