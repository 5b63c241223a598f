package atelier.daemon.neural.diffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Raster;
import atelier.daemon.image.WorkingResolution;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.diffusion.net.ControlNet;
import atelier.daemon.neural.diffusion.sampling.Latents;
import atelier.daemon.neural.diffusion.sampling.Sampler;
import atelier.daemon.neural.diffusion.sampling.Scheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Colouring line art with an SD 1.5 model and a line-art ControlNet: the whole drawing at the
 * working size, the lines (white on black, as the line-art preprocessors draw them) steering
 * every step, sampling from the start picture (the artist's flats under the lines) at the
 * request's strength. The caller puts the result under the original lines, which it never
 * repaints.
 */
public final class ColorizePipeline {

    private static final double SAMPLING_FROM = 0.1;
    private static final double SAMPLING_TO = 0.9;

    private ColorizePipeline() {
    }

    /** @param control how hard the lines steer (0..2, 1 as trained) and in which part of the run */
    public record Settings(String prompt, String negativePrompt, double strength, int steps, String scheduler, double guidance,
                           List<Long> seeds, double controlStrength, double controlStart, double controlEnd,
                           List<Sd15Model.LoraUse> loras, int clipSkip, Path vae) {

        /** Settings with the checkpoint's own VAE. */
        public Settings(String prompt, String negativePrompt, double strength, int steps, String scheduler, double guidance,
                        List<Long> seeds, double controlStrength, double controlStart, double controlEnd,
                        List<Sd15Model.LoraUse> loras, int clipSkip) {
            this(prompt, negativePrompt, strength, steps, scheduler, guidance, seeds, controlStrength, controlStart, controlEnd,
                    loras, clipSkip, null);
        }

        /** Settings reading the prompt from the text encoder's last layer. */
        public Settings(String prompt, String negativePrompt, double strength, int steps, String scheduler, double guidance,
                        List<Long> seeds, double controlStrength, double controlStart, double controlEnd,
                        List<Sd15Model.LoraUse> loras) {
            this(prompt, negativePrompt, strength, steps, scheduler, guidance, seeds, controlStrength, controlStart, controlEnd,
                    loras, 1);
        }
    }

    /** Opaque colour pictures of the line art's size, variant k sampled from {@code starts.get(k)} with seed k. */
    public static List<Raster> run(Sd15Model model, ControlNet lines, Raster lineArt, List<Raster> starts, Settings settings,
                                   Progress progress) throws JobCancelledException, IOException {
        Extent working = WorkingResolution.SD15.workingSize(lineArt.extent());
        float[] hint = PicturePlanes.lineHint(lineArt, working);
        List<float[]> decoded = model.inRequest(settings.loras(), settings.vae(), manager -> {
            progress.step(0, "encoding");
            List<Latents> latents = new java.util.ArrayList<>();
            for (Raster start : starts) {
                latents.add(model.encodePicture(manager, PicturePlanes.toModel(start, working), working));
            }
            NDArray picture = manager.create(hint, new Shape(1, 3, working.height(), working.width()))
                    .toType(model.runtime().computeType(), false);
            Sd15Model.PromptGuidance prompted = model.guidance(manager, settings.prompt(), settings.negativePrompt(),
                    settings.guidance(), settings.clipSkip());
            UNetNoisePredictor predictor = new UNetNoisePredictor(model.unet(), model.runtime().computeType())
                    .withControl(new ControlGuide(lines, picture, settings.controlStrength(), settings.controlStart(),
                            settings.controlEnd()));
            Sampler<NDArray> sampler = new Sampler<>(predictor, Scheduler.named(settings.scheduler())).previewingTo(progress, model.previewRenderer());
            Progress sampling = progress.span(SAMPLING_FROM, SAMPLING_TO);
            List<Latents> results = settings.strength() >= 1
                    ? sampler.textToImage(latents.get(0), prompted.guidance(), settings.steps(), settings.seeds(), sampling)
                    : sampler.imageToImage(latents, settings.strength(), prompted.guidance(), settings.steps(), settings.seeds(),
                            sampling);
            progress.step(SAMPLING_TO, "decoding");
            List<float[]> pictures = new java.util.ArrayList<>();
            for (Latents result : results) {
                pictures.add(model.decodePicture(result));
            }
            return pictures;
        });
        List<Raster> pictures = new java.util.ArrayList<>();
        for (float[] planes : decoded) {
            pictures.add(PicturePlanes.fromModel(planes, working, lineArt.extent()));
        }
        return pictures;
    }
}
