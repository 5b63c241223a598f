package atelier.daemon.neural.diffusion.sampling;

import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.ArrayList;
import java.util.List;

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

    /** Makes a picture of a step's clean estimate: {@link LatentPreview#toRgb}, or a small decoder. */
    @FunctionalInterface
    public interface PreviewRenderer {
        Raster render(Latents clean);
    }

    private final EpsilonModel<C> model;
    private final Scheduler scheduler;
    private final int previewEvery;
    private final PreviewSink previews;
    private final PreviewRenderer renderer;

    public Sampler(EpsilonModel<C> model, Scheduler scheduler) {
        this(model, scheduler, 0, null, LatentPreview::toRgb);
    }

    private Sampler(EpsilonModel<C> model, Scheduler scheduler, int previewEvery, PreviewSink previews, PreviewRenderer renderer) {
        this.model = model;
        this.scheduler = scheduler;
        this.previewEvery = previewEvery;
        this.previews = previews;
        this.renderer = renderer;
    }

    /** This sampler, also showing a {@link LatentPreview} every {@code everySteps} steps. */
    public Sampler<C> withPreviews(int everySteps, PreviewSink sink) {
        return withPreviews(everySteps, sink, renderer);
    }

    /** This sampler, showing every {@code everySteps} steps what {@code renderer} makes of the clean estimate. */
    public Sampler<C> withPreviews(int everySteps, PreviewSink sink, PreviewRenderer renderer) {
        if (everySteps < 1) {
            throw new IllegalArgumentException("previews every " + everySteps + " steps");
        }
        return new Sampler<>(model, scheduler, everySteps, sink, renderer);
    }

    /** Steps between the previews {@link #previewingTo} hands on: cheap, but the editor need not redraw every step. */
    public static final int PREVIEW_EVERY = 2;

    /** This sampler, handing a preview to the job's progress every {@link #PREVIEW_EVERY} steps. */
    public Sampler<C> previewingTo(Progress progress) {
        return withPreviews(PREVIEW_EVERY, (done, steps, picture) -> progress.preview(picture));
    }

    /** As {@link #previewingTo(Progress)}, the pictures made by {@code renderer}. */
    public Sampler<C> previewingTo(Progress progress, PreviewRenderer renderer) {
        return withPreviews(PREVIEW_EVERY, (done, steps, picture) -> progress.preview(picture), renderer);
    }

    /**
     * Text-to-image: latents of {@code blank}'s shape and kind (its values are not read)
     * sampled from the seed's noise.
     */
    public Latents textToImage(Latents blank, Guidance<C> guidance, int steps, long seed, Progress progress)
            throws JobCancelledException {
        return textToImage(blank, guidance, steps, List.of(seed), progress).get(0);
    }

    /**
     * Text-to-image for several seeds at once: one variant a seed, each step's network calls
     * batched over the variants (the model decides how many go into one pass). Each variant
     * draws only from its own seed's noise, so it is the variant a single-seed run makes.
     */
    public List<Latents> textToImage(Latents blank, Guidance<C> guidance, int steps, List<Long> seeds, Progress progress)
            throws JobCancelledException {
        List<Variant> variants = new ArrayList<>();
        for (long seed : seeds) {
            SchedulerRun run = scheduler.plan(steps, 1);
            GaussianNoise noise = new GaussianNoise(seed);
            variants.add(new Variant(run, noise, run.fromNoise(noise.like(blank)), null));
        }
        return denoise(variants, guidance, progress);
    }

    /**
     * Text-to-image from a given starting noise, every later random number taken from
     * {@code stepNoise} in the order the scheduler asks: the seam through which a run is
     * compared with another implementation's, which stored the noise it drew.
     */
    public Latents textToImage(Latents startNoise, NoiseSource stepNoise, Guidance<C> guidance, int steps, Progress progress)
            throws JobCancelledException {
        SchedulerRun run = scheduler.plan(steps, 1);
        return denoise(List.of(new Variant(run, stepNoise, run.fromNoise(startNoise), null)), guidance, progress).get(0);
    }

    /**
     * Image-to-image: the picture's latents noised to the level {@code strength} (0..1]
     * chooses, then sampled from there; lower strength keeps more of the picture and runs
     * fewer steps.
     */
    public Latents imageToImage(Latents image, double strength, Guidance<C> guidance, int steps, long seed,
            Progress progress) throws JobCancelledException {
        return imageToImage(List.of(image), strength, guidance, steps, List.of(seed), progress).get(0);
    }

    /** Image-to-image for several seeds at once, variant k from {@code images.get(k)}; batched as textToImage is. */
    public List<Latents> imageToImage(List<Latents> images, double strength, Guidance<C> guidance, int steps, List<Long> seeds,
            Progress progress) throws JobCancelledException {
        requireOnePerSeed(images, seeds);
        List<Variant> variants = new ArrayList<>();
        for (int k = 0; k < seeds.size(); k++) {
            SchedulerRun run = scheduler.plan(steps, strength);
            GaussianNoise noise = new GaussianNoise(seeds.get(k));
            variants.add(new Variant(run, noise, run.fromImage(images.get(k), noise.like(images.get(k))), null));
        }
        return denoise(variants, guidance, progress);
    }

    /**
     * Inpainting with a model that has no mask input (latent-mask blending): sampled as
     * image-to-image (from pure noise at strength 1), and before and after every step the
     * latents outside {@code editable} are the picture's own at that step's noise level, so
     * only the selection is generated, and generated to fit what surrounds it.
     */
    public Latents inpaint(Latents image, LatentMask editable, double strength, Guidance<C> guidance, int steps, long seed,
            Progress progress) throws JobCancelledException {
        return inpaint(image, editable, strength, guidance, steps, List.of(seed), progress).get(0);
    }

    /** Inpainting for several seeds at once; batched as textToImage is. */
    public List<Latents> inpaint(Latents image, LatentMask editable, double strength, Guidance<C> guidance, int steps,
            List<Long> seeds, Progress progress) throws JobCancelledException {
        List<Variant> variants = new ArrayList<>();
        for (long seed : seeds) {
            SchedulerRun run = scheduler.plan(steps, strength);
            GaussianNoise noise = new GaussianNoise(seed);
            Latents fixedNoise = noise.like(image);
            Latents start = strength >= 1 ? run.fromNoise(fixedNoise) : run.fromImage(image, fixedNoise);
            KeptPicture kept = new KeptPicture(image, editable, fixedNoise);
            variants.add(new Variant(run, noise, kept.apply(run, 0, start), kept));
        }
        return denoise(variants, guidance, progress);
    }

    private static void requireOnePerSeed(List<Latents> images, List<Long> seeds) {
        if (images.size() != seeds.size() || seeds.isEmpty()) {
            throw new IllegalArgumentException(images.size() + " start pictures for " + seeds.size() + " seeds");
        }
    }

    /** The picture kept outside the editable part, re-noised to each step's level with one fixed noise. */
    private record KeptPicture(Latents image, LatentMask editable, Latents noise) {
        Latents apply(SchedulerRun run, int level, Latents x) {
            return x.masked(editable, run.imageAtLevel(level, image, noise));
        }
    }

    /** One seed's run: its own schedule state, noise stream and latents (and the picture it keeps, when inpainting). */
    private static final class Variant {
        final SchedulerRun run;
        final NoiseSource noise;
        final KeptPicture kept;
        Latents x;

        Variant(SchedulerRun run, NoiseSource noise, Latents start, KeptPicture kept) {
            this.run = run;
            this.noise = noise;
            this.x = start;
            this.kept = kept;
        }
    }

    private List<Latents> denoise(List<Variant> variants, Guidance<C> guidance, Progress progress) throws JobCancelledException {
        SchedulerRun first = variants.get(0).run;
        int steps = first.steps();
        for (int i = 0; i < steps; i++) {
            progress.step((double) i / steps, STAGE);
            // Every variant has the same schedule: one input scale and timestep for the whole batch.
            double scale = first.inputScale(i);
            List<Latents> inputs = new ArrayList<>();
            for (Variant v : variants) {
                inputs.add(scale == 1 ? v.x : v.x.scaled(scale));
            }
            model.beginStep(i, steps);
            List<Latents> predicted = guidance.predictNoise(model, inputs, first.timestep(i));
            for (int k = 0; k < variants.size(); k++) {
                Variant v = variants.get(k);
                SchedulerRun.Step step = v.run.step(i, v.x, predicted.get(k), v.noise);
                v.x = v.kept == null ? step.next() : v.kept.apply(v.run, i + 1, step.next());
                if (k == 0 && previews != null && (i + 1) % previewEvery == 0) {
                    previews.show(i + 1, steps, renderer.render(step.denoised()));
                }
            }
        }
        return variants.stream().map(v -> v.x).toList();
    }
}
