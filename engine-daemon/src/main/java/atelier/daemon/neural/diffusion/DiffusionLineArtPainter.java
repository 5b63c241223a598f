package atelier.daemon.neural.diffusion;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.diffusion.pipeline.ColorizePipeline;
import atelier.daemon.neural.diffusion.pipeline.Sd15Model;
import atelier.daemon.ops.DiffusionSettings;
import atelier.daemon.ops.InpaintEngine;
import atelier.daemon.ops.LineArtPainter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Colorize with one SD 1.5 checkpoint and one line-art ControlNet from the model directory. */
public final class DiffusionLineArtPainter implements LineArtPainter {

    /** The lines steer at full strength through the whole run: line art is the composition. */
    static final double CONTROL_STRENGTH = 1.0;

    private final String checkpointName;
    private final Path checkpoint;
    private final String controlNetName;
    private final Path controlNet;
    private final InstalledAddOns loras;
    private final LoadedCheckpoint loaded;

    public DiffusionLineArtPainter(String checkpointName, Path checkpoint, String controlNetName, Path controlNet,
                                   InstalledAddOns loras, LoadedCheckpoint loaded) {
        this.checkpointName = checkpointName;
        this.checkpoint = checkpoint;
        this.controlNetName = controlNetName;
        this.controlNet = controlNet;
        this.loras = loras;
        this.loaded = loaded;
    }

    @Override
    public EngineInfo info() {
        return new EngineInfo(checkpointName + "+" + controlNetName, "model", "Stable Diffusion 1.5 " + checkpoint.getFileName()
                + " steered by the ControlNet " + controlNet.getFileName() + ", starting from the flats");
    }

    @Override
    public void check(DiffusionSettings settings) throws InvalidRequest {
        loras.check(settings);
    }

    @Override
    public List<Raster> paint(Raster lineArt, List<Raster> starts, InpaintEngine.Prompted request, Progress progress,
                              Map<String, String> details) throws JobCancelledException {
        DiffusionSettings settings = request.settings();
        List<Sd15Model.LoraUse> uses = loras.uses(settings);
        try {
            progress.step(0, "loading model");
            Sd15Model model = loaded.model(checkpointName, checkpoint);
            List<Raster> painted = ColorizePipeline.run(model, model.controlNet(controlNet), lineArt, starts,
                    new ColorizePipeline.Settings(request.prompt(), request.negativePrompt(), request.strength(), request.steps(),
                            settings.scheduler(), settings.guidance(), request.seeds(), CONTROL_STRENGTH, 0, 1, uses, settings.clipSkip(),
                            loras.vae(settings)), progress);
            details.put("model", checkpointName);
            details.put("controlnet", controlNetName);
            details.put("control_strength", String.valueOf(CONTROL_STRENGTH));
            settings.describeInto(details);
            if (!Sd15Model.appliedLoras().isEmpty()) {
                details.put("lora_layers", Sd15Model.appliedLoras());
            }
            details.put("device", model.runtime().describe());
            return painted;
        } catch (IOException e) {
            throw new UncheckedIOException("the model " + checkpointName + " with " + controlNetName + " could not be used: "
                    + e.getMessage(), e);
        }
    }
}
