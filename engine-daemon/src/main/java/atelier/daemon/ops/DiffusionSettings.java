package atelier.daemon.ops;

import java.util.List;

/**
 * How a model engine samples, as the request asked or by default.
 *
 * @param scheduler   a name of Scheduler.NAMES
 * @param guidance    classifier-free guidance scale
 * @param loras       LoRAs by name with their weights, in the order given
 * @param maskGrow    pixels the generated area reaches past the selection (paste-back keeps to the selection)
 * @param maskFeather pixels over which the generated area's edge fades
 */
public record DiffusionSettings(String scheduler, double guidance, List<Lora> loras, int maskGrow, int maskFeather) {

    public static final String DEFAULT_SCHEDULER = "dpmpp-2m-karras";
    public static final DiffusionSettings DEFAULTS = new DiffusionSettings(DEFAULT_SCHEDULER, 7.5, List.of(), 8, 8);

    public DiffusionSettings {
        loras = List.copyOf(loras);
    }

    /** One LoRA by its name in the model directory and its weight. */
    public record Lora(String name, double weight) {
    }
}
