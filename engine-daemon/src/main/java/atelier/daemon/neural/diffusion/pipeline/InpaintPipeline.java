package atelier.daemon.neural.diffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.image.WorkingResolution;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.diffusion.net.Autoencoder;
import atelier.daemon.neural.diffusion.sampling.Guidance;
import atelier.daemon.neural.diffusion.sampling.LatentMask;
import atelier.daemon.neural.diffusion.sampling.Latents;
import atelier.daemon.neural.diffusion.sampling.Sampler;
import atelier.daemon.neural.diffusion.sampling.Scheduler;
import atelier.daemon.neural.diffusion.sampling.TensorLatents;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Inpainting one context region with an SD 1.5 model: the region is brought to the working
 * size, encoded, sampled under the prompt where the (grown, feathered) selection allows, decoded,
 * brought back to the region's size and colour-matched to what was kept. The inpainting UNet
 * sees the mask and the masked picture as extra channels; a plain checkpoint gets the picture
 * put back outside the mask at every step (Sampler.inpaint). The caller pastes the result in
 * with the artist's own selection, so nothing outside it changes.
 */
public final class InpaintPipeline {

    /** Where the progress bar stands when sampling starts and ends. */
    private static final double SAMPLING_FROM = 0.1;
    private static final double SAMPLING_TO = 0.9;

    private InpaintPipeline() {
    }

    /**
     * @param strength how far the region may change: 1 samples the selection from noise
     * @param grow     pixels the generated area reaches past the selection
     * @param feather  pixels over which the generated area's edge fades
     */
    public record Settings(String prompt, String negativePrompt, double strength, int steps, String scheduler, double guidance,
                           List<Long> seeds, int grow, int feather, List<Sd15Model.LoraUse> loras, int clipSkip,
                           Path vae) {

        /** Settings with the checkpoint's own VAE. */
        public Settings(String prompt, String negativePrompt, double strength, int steps, String scheduler, double guidance,
                        List<Long> seeds, int grow, int feather, List<Sd15Model.LoraUse> loras, int clipSkip) {
            this(prompt, negativePrompt, strength, steps, scheduler, guidance, seeds, grow, feather, loras, clipSkip, null);
        }

        /** Settings reading the prompt from the text encoder's last layer. */
        public Settings(String prompt, String negativePrompt, double strength, int steps, String scheduler, double guidance,
                        List<Long> seeds, int grow, int feather, List<Sd15Model.LoraUse> loras) {
            this(prompt, negativePrompt, strength, steps, scheduler, guidance, seeds, grow, feather, loras, 1);
        }
    }

    /** What was made: the region's new pixels, one picture a seed, and whether CLIP had to cut the prompt. */
    public record Outcome(List<Raster> regions, List<String> truncationNotices) {
    }

    /** Inpaints {@code region} (a crop of the picture) under {@code selection} (the same crop of the mask). */
    public static Outcome run(Sd15Model model, Raster region, Mask selection, Settings settings, Progress progress)
            throws JobCancelledException, IOException {
        if (!region.extent().equals(selection.extent())) {
            throw new IllegalArgumentException("a " + selection.extent() + " selection for a " + region.extent() + " region");
        }
        Extent working = WorkingResolution.SD15.workingSize(region.extent());
        Mask generated = PicturePlanes.resized(selection.grown(settings.grow()).feathered(settings.feather()), working);
        float[] planes = PicturePlanes.toModel(region, working);
        List<String> notices = new java.util.ArrayList<>();
        List<float[]> decoded = model.inRequest(settings.loras(), settings.vae(), manager -> {
            progress.step(0, "encoding");
            DataType type = model.runtime().computeType();
            NDArray image = manager.create(planes, new Shape(1, 3, working.height(), working.width())).toType(type, false);
            TensorLatents latents = TensorLatents.of(model.encodeImage(image));
            int latentWidth = working.width() / Autoencoder.DOWNSCALE;
            int latentHeight = working.height() / Autoencoder.DOWNSCALE;
            LatentMask editable = PicturePlanes.latentMask(generated, latentWidth, latentHeight);
            NDArray extra = model.inpainting() ? inpaintChannels(model, manager, image, generated, editable) : null;
            progress.step(0.05, "reading the prompt");
            Sd15Model.PromptGuidance prompted = model.guidance(manager, settings.prompt(), settings.negativePrompt(),
                    settings.guidance(), settings.clipSkip());
            notices.addAll(prompted.truncationNotices());
            Guidance<NDArray> guidance = prompted.guidance();
            Scheduler scheduler = Scheduler.named(settings.scheduler());
            Progress sampling = progress.span(SAMPLING_FROM, SAMPLING_TO);
            List<Long> seeds = settings.seeds();
            List<Latents> results;
            if (model.inpainting()) {
                Sampler<NDArray> sampler = new Sampler<>(new UNetNoisePredictor(model.unet(), type, extra), scheduler)
                        .previewingTo(progress, model.previewRenderer());
                results = settings.strength() >= 1
                        ? sampler.textToImage(latents, guidance, settings.steps(), seeds, sampling)
                        : sampler.imageToImage(java.util.Collections.nCopies(seeds.size(), latents), settings.strength(),
                                guidance, settings.steps(), seeds, sampling);
            } else {
                Sampler<NDArray> sampler = new Sampler<>(new UNetNoisePredictor(model.unet(), type), scheduler)
                        .previewingTo(progress, model.previewRenderer());
                results = sampler.inpaint(latents, editable, settings.strength(), guidance, settings.steps(), seeds, sampling);
            }
            progress.step(SAMPLING_TO, "decoding");
            List<float[]> pictures = new java.util.ArrayList<>();
            for (Latents result : results) {
                pictures.add(model.decodePicture(result));
            }
            progress.step(0.97, "matching colours");
            return pictures;
        });
        List<Raster> regions = new java.util.ArrayList<>();
        for (float[] planesBack : decoded) {
            Raster back = PicturePlanes.fromModel(planesBack, working, region.extent());
            regions.add(PicturePlanes.colourMatched(back, region, selection));
        }
        return new Outcome(regions, notices);
    }

    /**
     * The inpainting UNet's extra input, as it was trained: the mask at latent size (1 = repaint),
     * then the latents of the picture with the masked part set to 0 (grey in -1..1).
     */
    private static NDArray inpaintChannels(Sd15Model model, NDManager manager, NDArray image, Mask generated,
                                           LatentMask editable) {
        Extent working = generated.extent();
        float[] keep = new float[Math.toIntExact(working.pixels())];
        byte[] values = generated.values();
        for (int i = 0; i < keep.length; i++) {
            keep[i] = (values[i] & 0xFF) >= 128 ? 0 : 1;
        }
        NDArray kept = manager.create(keep, new Shape(1, 1, working.height(), working.width())).toType(image.getDataType(), false);
        NDArray maskedLatents = model.encodeImage(image.mul(kept));
        float[] weights = editable.weights();
        for (int i = 0; i < weights.length; i++) {
            weights[i] = weights[i] >= 0.5f ? 1 : 0;
        }
        NDArray mask = manager.create(weights, new Shape(1, 1, editable.height(), editable.width()))
                .toType(maskedLatents.getDataType(), false);
        return NDArrays.concat(new NDList(mask, maskedLatents), 1);
    }
}
