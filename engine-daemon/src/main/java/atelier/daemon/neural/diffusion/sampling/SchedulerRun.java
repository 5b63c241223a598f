package atelier.daemon.neural.diffusion.sampling;

/**
 * One planned run of a scheduler, used once, its steps taken in order. For step i the
 * sampler gives the network {@code inputScale(i) * x} and {@code timestep(i)}, then
 * passes the predicted noise to {@link #step}.
 */
public interface SchedulerRun {

    /** How many network calls (per guidance branch) the run makes. */
    int steps();

    /** The timestep the network is told at step i, in training steps (may be fractional). */
    double timestep(int i);

    /**
     * The noise level, in k-diffusion's sigma ({@code sqrt((1 - ac) / ac)}), of the latents
     * before each step and, as the last of {@code steps() + 1} entries, after the last step.
     */
    double[] sigmas();

    /** The factor that brings the latents of step i to the variance the network was trained on. */
    double inputScale(int i);

    /** The starting latents of text-to-image, made from standard normal noise. */
    Latents fromNoise(Latents noise);

    /** The starting latents of image-to-image: the picture's latents noised to the first step's level. */
    default Latents fromImage(Latents image, Latents noise) {
        return imageAtLevel(0, image, noise);
    }

    /**
     * The picture's latents noised to the level the latents have before step i, as this run
     * would have them; i = steps() is the clean picture. Inpainting with a model that has no
     * mask input puts these outside the mask after every step.
     */
    Latents imageAtLevel(int i, Latents image, Latents noise);

    /**
     * Step i: from the latents {@code x} the network saw and its noise prediction, the
     * latents of step i+1 (after the last step: the result). Schedulers that add fresh
     * noise between steps draw it from {@code noise}.
     *
     * @throws IllegalStateException when steps are taken out of order
     */
    Step step(int i, Latents x, Latents predictedNoise, NoiseSource noise);

    /** The latents after a step, and the clean latents the step predicted (for previews). */
    record Step(Latents next, Latents denoised) {
    }
}
