package atelier.daemon.neural.diffusion;

import atelier.bridge.thrift.InvalidRequest;
import atelier.daemon.neural.diffusion.pipeline.Sd15Model;
import atelier.daemon.ops.DiffusionSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a request may add to a checkpoint from the model directory, by the names requests use:
 * LoRA files, and standalone VAEs that replace the checkpoint's own.
 */
public record InstalledAddOns(Map<String, Path> files, Map<String, Path> vaes) {

    public InstalledAddOns {
        files = Map.copyOf(files);
        vaes = Map.copyOf(vaes);
    }

    /** Refuses a request naming a LoRA or a VAE that is not installed, listing those that are. */
    void check(DiffusionSettings settings) throws InvalidRequest {
        if (settings.vae() != null && !vaes.containsKey(settings.vae())) {
            throw new InvalidRequest("vae", "no VAE named '" + settings.vae() + "' in the model directory"
                    + (vaes.isEmpty() ? " (it holds none)" : "; there are: " + String.join(", ", vaes.keySet())));
        }
        for (DiffusionSettings.Lora lora : settings.loras()) {
            if (!files.containsKey(lora.name())) {
                throw new InvalidRequest("loras", "no LoRA named '" + lora.name() + "' in the model directory"
                        + (files.isEmpty() ? " (it holds none)" : "; there are: " + String.join(", ", files.keySet())));
            }
        }
    }

    /** The standalone VAE file the request names, or null for the checkpoint's own. */
    Path vae(DiffusionSettings settings) {
        return settings.vae() == null ? null : vaes.get(settings.vae());
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
