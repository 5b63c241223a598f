package atelier.daemon.neural.diffusion;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.diffusion.pipeline.InpaintPipeline;
import atelier.daemon.neural.diffusion.pipeline.Sd15Model;
import atelier.daemon.ops.DiffusionSettings;
import atelier.daemon.ops.InpaintEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Inpainting with one SD 1.5 checkpoint from the model directory (the inpainting variant or any base model). */
public final class DiffusionInpaint implements InpaintEngine {

    private final String name;
    private final Path checkpoint;
    private final boolean inpaintingModel;
    private final InstalledAddOns loras;
    private final LoadedCheckpoint loaded;

    public DiffusionInpaint(String name, Path checkpoint, boolean inpaintingModel, InstalledAddOns loras, LoadedCheckpoint loaded) {
        this.name = name;
        this.checkpoint = checkpoint;
        this.inpaintingModel = inpaintingModel;
        this.loras = loras;
        this.loaded = loaded;
    }

    @Override
    public EngineInfo info() {
        return new EngineInfo(name, "model", inpaintingModel
                ? "Stable Diffusion 1.5 inpainting model " + checkpoint.getFileName() + ": sees the mask, blends best"
                : "Stable Diffusion 1.5 model " + checkpoint.getFileName() + ", with the picture kept outside the mask at every step");
    }

    @Override
    public void check(DiffusionSettings settings) throws InvalidRequest {
        loras.check(settings);
    }

    @Override
    public List<Raster> inpaint(Raster region, Mask selection, Prompted request, Progress progress, Map<String, String> details)
            throws JobCancelledException {
        DiffusionSettings settings = request.settings();
        List<Sd15Model.LoraUse> uses = loras.uses(settings);
        try {
            progress.step(0, "loading model");
            Sd15Model model = loaded.model(name, checkpoint);
            InpaintPipeline.Outcome outcome = InpaintPipeline.run(model, region, selection, new InpaintPipeline.Settings(
                    request.prompt(), request.negativePrompt(), request.strength(), request.steps(), settings.scheduler(),
                    settings.guidance(), request.seeds(), settings.maskGrow(), settings.maskFeather(), uses, settings.clipSkip(),
                    loras.vae(settings)), progress);
            details.put("model", name);
            settings.describeInto(details);
            if (!Sd15Model.appliedLoras().isEmpty()) {
                details.put("lora_layers", Sd15Model.appliedLoras());
            }
            details.put("device", model.runtime().describe());
            if (!outcome.truncationNotices().isEmpty()) {
                details.put("prompt", String.join("; ", outcome.truncationNotices()));
            }
            return outcome.regions();
        } catch (IOException e) {
            throw new UncheckedIOException("the model " + name + " could not be used: " + e.getMessage(), e);
        }
    }
}
