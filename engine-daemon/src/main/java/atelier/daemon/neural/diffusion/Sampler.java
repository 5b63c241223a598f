package atelier.daemon.neural.diffusion;

import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;

/**
 * The sampling loop: noise (or a noised picture) in, clean latents out, one guided
 * network call per step, the scheduler deciding how each prediction moves the latents.
 * Progress is reported, and a cancel honoured, before every step, so a cancelled job
 * stops within one network call. Everything random comes from one seeded stream, so a
 * seed gives the same latents on every machine.
 *
 * @param <C> the model's conditioning type
 */
public final class Sampler<C> {

    /** The stage name progress reports carry. */
    public static final String STAGE = "sampling";

    /** Receives a rough picture of where the sampling is heading. */
    @FunctionalInterface
    public interface PreviewSink {
        /** After {@code stepsDone} of {@code steps}: the step's clean estimate, one pixel per latent position. */
        void show(int stepsDone, int steps, Raster picture);
    }

    private final EpsilonModel<C> model;
    private final Scheduler scheduler;
    private final int previewEvery;
    private final PreviewSink previews;

    public Sampler(EpsilonModel<C> model, Scheduler scheduler) {
        this(model, scheduler, 0, null);
    }

    private Sampler(EpsilonModel<C> model, Scheduler scheduler, int previewEvery, PreviewSink previews) {
        this.model = model;
        this.scheduler = scheduler;
        this.previewEvery = previewEvery;
        this.previews = previews;
    }

    /** This sampler, also showing a {@link LatentPreview} every {@code everySteps} steps. */
    public Sampler<C> withPreviews(int everySteps, PreviewSink sink) {
        if (everySteps < 1) {
            throw new IllegalArgumentException("previews every " + everySteps + " steps");
        }
        return new Sampler<>(model, scheduler, everySteps, sink);
    }

    /**
     * Text-to-image: latents of {@code blank}'s shape and kind (its values are not read)
     * sampled from the seed's noise.
     */
    public Latents textToImage(Latents blank, Guidance<C> guidance, int steps, long seed, Progress progress)
            throws JobCancelledException {
        SchedulerRun run = scheduler.plan(steps, 1);
        GaussianNoise noise = new GaussianNoise(seed);
        return denoise(run, run.fromNoise(noise.like(blank)), guidance, noise, progress);
    }

    /**
     * Image-to-image: the picture's latents noised to the level {@code strength} (0..1]
     * chooses, then sampled from there; lower strength keeps more of the picture and runs
     * fewer steps.
     */
    public Latents imageToImage(Latents image, double strength, Guidance<C> guidance, int steps, long seed,
            Progress progress) throws JobCancelledException {
        SchedulerRun run = scheduler.plan(steps, strength);
        GaussianNoise noise = new GaussianNoise(seed);
        return denoise(run, run.fromImage(image, noise.like(image)), guidance, noise, progress);
    }

    /**
     * Inpainting with a model that has no mask input (latent-mask blending): sampled as
     * image-to-image (from pure noise at strength 1), and before and after every step the
     * latents outside {@code editable} are the picture's own at that step's noise level, so
     * only the selection is generated, and generated to fit what surrounds it.
     */
    public Latents inpaint(Latents image, LatentMask editable, double strength, Guidance<C> guidance, int steps, long seed,
            Progress progress) throws JobCancelledException {
        SchedulerRun run = scheduler.plan(steps, strength);
        GaussianNoise noise = new GaussianNoise(seed);
        Latents fixedNoise = noise.like(image);
        Latents start = strength >= 1 ? run.fromNoise(fixedNoise) : run.fromImage(image, fixedNoise);
        KeptPicture kept = new KeptPicture(image, editable, fixedNoise);
        return denoise(run, kept.apply(run, 0, start), guidance, noise, progress, kept);
    }

    /** The picture kept outside the editable part, re-noised to each step's level with one fixed noise. */
    private record KeptPicture(Latents image, LatentMask editable, Latents noise) {
        Latents apply(SchedulerRun run, int level, Latents x) {
            return x.masked(editable, run.imageAtLevel(level, image, noise));
        }
    }

    private Latents denoise(SchedulerRun run, Latents start, Guidance<C> guidance, GaussianNoise noise, Progress progress)
            throws JobCancelledException {
        return denoise(run, start, guidance, noise, progress, null);
    }

    private Latents denoise(SchedulerRun run, Latents start, Guidance<C> guidance, GaussianNoise noise, Progress progress,
            KeptPicture kept) throws JobCancelledException {
        int steps = run.steps();
        Latents x = start;
        for (int i = 0; i < steps; i++) {
            progress.step((double) i / steps, STAGE);
            double scale = run.inputScale(i);
            Latents input = scale == 1 ? x : x.scaled(scale);
            model.beginStep(i, steps);
            Latents predictedNoise = guidance.predictNoise(model, input, run.timestep(i));
            SchedulerRun.Step step = run.step(i, x, predictedNoise, noise);
            x = kept == null ? step.next() : kept.apply(run, i + 1, step.next());
            if (previews != null && (i + 1) % previewEvery == 0) {
                previews.show(i + 1, steps, LatentPreview.toRgb(step.denoised()));
            }
        }
        return x;
    }
}
