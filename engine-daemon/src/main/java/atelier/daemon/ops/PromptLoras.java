package atelier.daemon.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LoRAs named inside a prompt as krita-ai-diffusion and A1111 users write them,
 * {@code <lora:name:0.8>} (or {@code <lora:name>}, weight 1): taken out of the prompt's text and
 * applied as if the request had listed them.
 */
public final class PromptLoras {

    private static final Pattern TAG = Pattern.compile("<lora:([^:>]+)(?::\\s*([-+]?[0-9]*\\.?[0-9]+)\\s*)?>");

    /** The prompt without its LoRA tags, and the LoRAs they name in order. */
    public record Split(String prompt, List<DiffusionSettings.Lora> loras) {
    }

    private PromptLoras() {
    }

    public static Split split(String prompt) {
        if (prompt == null || !prompt.contains("<lora:")) {
            return new Split(prompt, List.of());
        }
        List<DiffusionSettings.Lora> loras = new ArrayList<>();
        Matcher m = TAG.matcher(prompt);
        StringBuilder rest = new StringBuilder();
        while (m.find()) {
            loras.add(new DiffusionSettings.Lora(m.group(1).trim(), m.group(2) == null ? 1 : Double.parseDouble(m.group(2))));
            m.appendReplacement(rest, "");
        }
        m.appendTail(rest);
        return new Split(rest.toString().replaceAll("\\s+,", ",").replaceAll(" {2,}", " ").trim(), loras);
    }
}
