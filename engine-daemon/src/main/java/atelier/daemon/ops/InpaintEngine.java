package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.List;
import java.util.Map;

/** Repaints the selected part of a picture as a prompt describes, to fit what surrounds it. */
public interface InpaintEngine {

    EngineInfo info();

    /** Refuses, while the client waits, settings this engine cannot honour (an unknown LoRA), naming the field. */
    void check(DiffusionSettings settings) throws InvalidRequest;

    /**
     * New pixels for {@code region} (a crop of the picture around the selection) where
     * {@code selection} (the same crop of the mask) allows, one picture a seed (variants are
     * made together, batched on the model); the caller composites them.
     *
     * @param details filled with what reproduces the result: model, scheduler, LoRAs, ...
     */
    List<Raster> inpaint(Raster region, Mask selection, Prompted request, Progress progress, Map<String, String> details)
            throws JobCancelledException;

    /** The prompt and numbers of a request; variant k uses {@code seeds.get(k)}. */
    record Prompted(String prompt, String negativePrompt, double strength, int steps, List<Long> seeds,
                    DiffusionSettings settings) {
    }
}
