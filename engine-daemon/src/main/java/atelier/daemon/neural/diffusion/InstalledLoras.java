package atelier.daemon.neural.diffusion;

import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.neural.diffusion.pipeline.Sd15Model;
import atelier.daemon.ops.DiffusionSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The LoRA files in the model directory, by the names requests use for them. */
public record InstalledLoras(Map<String, Path> files) {

    public InstalledLoras {
        files = Map.copyOf(files);
    }

    /** Refuses a request naming a LoRA that is not installed, listing those that are. */
    void check(DiffusionSettings settings) throws InvalidRequest {
        for (DiffusionSettings.Lora lora : settings.loras()) {
            if (!files.containsKey(lora.name())) {
                throw new InvalidRequest("loras", "no LoRA named '" + lora.name() + "' in the model directory"
                        + (files.isEmpty() ? " (it holds none)" : "; there are: " + String.join(", ", files.keySet())));
            }
        }
    }

    /** The request's LoRAs as files and weights, in its order. */
    List<Sd15Model.LoraUse> uses(DiffusionSettings settings) {
        List<Sd15Model.LoraUse> uses = new ArrayList<>();
        for (DiffusionSettings.Lora lora : settings.loras()) {
            uses.add(new Sd15Model.LoraUse(files.get(lora.name()), lora.weight()));
        }
        return uses;
    }
}
