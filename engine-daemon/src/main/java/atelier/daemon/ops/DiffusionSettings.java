package atelier.daemon.ops;

import java.util.List;

/**
 * How a model engine samples, as the request asked or by default.
 *
 * @param scheduler   a name of EditCatalog.schedulers() (the sampling package's Scheduler.NAMES, wired at start-up)
 * @param guidance    classifier-free guidance scale
 * @param loras       LoRAs by name with their weights, in the order given
 * @param maskGrow    pixels the generated area reaches past the selection (paste-back keeps to the selection)
 * @param maskFeather pixels over which the generated area's edge fades
 * @param clipSkip    1 reads the prompt from the text encoder's last layer, 2 from the one before
 * @param vae         the name of a standalone VAE in the model directory, or null for the checkpoint's own
 */
public record DiffusionSettings(String scheduler, double guidance, List<Lora> loras, int maskGrow, int maskFeather,
                                int clipSkip, String vae) {

    public static final String DEFAULT_SCHEDULER = "dpmpp-2m-karras";
    public static final DiffusionSettings DEFAULTS = new DiffusionSettings(DEFAULT_SCHEDULER, 7.5, List.of(), 8, 8, 1, null);

    public DiffusionSettings {
        loras = List.copyOf(loras);
    }

    /** Settings reading the prompt from the last layer. */
    public DiffusionSettings(String scheduler, double guidance, List<Lora> loras, int maskGrow, int maskFeather) {
        this(scheduler, guidance, loras, maskGrow, maskFeather, 1, null);
    }

    /** The steps a request gets when it names none: LCM samples in a few, the others need about 25 for clean detail. */
    public int defaultSteps() {
        return "lcm".equals(scheduler) ? 4 : 25;
    }

    /** What reproduces a result made with these settings, for its details: scheduler, guidance, LoRAs. */
    public void describeInto(java.util.Map<String, String> details) {
        details.put("scheduler", scheduler);
        details.put("guidance", String.valueOf(guidance));
        details.put("loras", loras.stream().map(l -> l.name() + ":" + l.weight())
                .collect(java.util.stream.Collectors.joining(",")));
        if (clipSkip != 1) {
            details.put("clip_skip", String.valueOf(clipSkip));
        }
        if (vae != null) {
            details.put("vae", vae);
        }
    }

    /** One LoRA by its name in the model directory and its weight. */
    public record Lora(String name, double weight) {
    }
}
