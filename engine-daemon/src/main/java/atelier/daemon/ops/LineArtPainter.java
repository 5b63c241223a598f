package atelier.daemon.ops;

import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.Map;

/** A model that colours line art: follows the lines, starts from the artist's colours. */
public interface LineArtPainter {

    EngineInfo info();

    /** Refuses, while the client waits, settings it cannot honour (an unknown LoRA), naming the field. */
    void check(DiffusionSettings settings) throws InvalidRequest;

    /**
     * Opaque colour pictures of the line art's size, one a seed (made together, batched): the
     * lines steer the model, {@code starts.get(k)} (flats under the lines) is where variant k's
     * sampling begins, at the request's strength.
     *
     * @param details filled with what reproduces the result: model, ControlNet, scheduler, ...
     */
    java.util.List<Raster> paint(Raster lineArt, java.util.List<Raster> starts, InpaintEngine.Prompted request, Progress progress,
                                 Map<String, String> details) throws JobCancelledException;
}
