package atelier.daemon.neural.diffusion.sampling;

/** How image-to-image strength cuts a schedule: the rule of diffusers' img2img {@code get_timesteps}. */
final class Strength {

    private Strength() {
    }

    /**
     * The index of the first of {@code steps} steps that a run of this strength takes: the
     * last {@code floor(steps * strength)} steps are kept, so strength 0.5 runs half of them,
     * from half-way down the noise.
     */
    static int firstStep(int steps, double strength) {
        requireSteps(steps);
        if (!(strength > 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in (0, 1], got " + strength);
        }
        int kept = Math.min((int) (steps * strength), steps);
        if (kept < 1) {
            throw new IllegalArgumentException("strength " + strength + " of " + steps + " steps leaves no step to run; raise the strength or the steps");
        }
        return steps - kept;
    }

    static void requireSteps(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
    }
}
