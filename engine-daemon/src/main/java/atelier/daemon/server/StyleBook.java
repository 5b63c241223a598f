package atelier.daemon.server;

import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.LoraChoice;
import atelier.bridge.thrift.ModelInfo;
import atelier.bridge.thrift.StyleInfo;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Styles a request may name: shareable JSON recipes (a comic team's house style, its
 * recurring character) from the styles folders, and the few Atelier ships. A file that cannot be
 * read is listed as unusable naming the file and the field, and never stops the daemon; a file
 * in a folder replaces a built-in Style of the same name.
 */
public final class StyleBook {

    private static final Logger LOG = LoggerFactory.getLogger(StyleBook.class);

    /** The Styles that ship with Atelier, as resources beside this class. */
    static final List<String> BUILT_IN = List.of("photo.json", "line-art-colouring.json");

    /** Every field a Style may have; any other is a mistake worth naming. */
    private static final Set<String> FIELDS = Set.of("name", "checkpoint", "loras", "vae", "prompt", "negative", "scheduler",
            "steps", "guidance", "clipSkip", "strength", "variants", "description");

    /** One readable Style and where it came from. */
    record Style(String name, JsonObject recipe, String source) {
    }

    private final Map<String, Style> styles;
    private final List<StyleInfo> broken;

    private StyleBook(Map<String, Style> styles, List<StyleInfo> broken) {
        this.styles = styles;
        this.broken = broken;
    }

    /** No Styles at all, for tests of other things. */
    public static StyleBook none() {
        return new StyleBook(Map.of(), List.of());
    }

    /** The built-in Styles, then every *.json in the folders (missing folders are skipped), later ones winning. */
    public static StyleBook load(List<Path> folders) {
        Map<String, Style> styles = new LinkedHashMap<>();
        List<StyleInfo> broken = new ArrayList<>();
        for (String resource : BUILT_IN) {
            try (InputStream in = StyleBook.class.getResourceAsStream("styles/" + resource)) {
                if (in == null) {
                    throw new IOException("missing from Atelier's jar");
                }
                Style style = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built in");
                styles.put(style.name(), style);
            } catch (IOException | IllegalArgumentException e) {
                LOG.warn("the built-in Style {} cannot be read: {}", resource, e.getMessage());
            }
        }
        for (Path folder : folders) {
            if (folder == null || !Files.isDirectory(folder)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.json")) {
                for (Path file : files) {
                    try {
                        Style style = parse(Files.readString(file), file.toString());
                        styles.put(style.name(), style);
                    } catch (IOException | IllegalArgumentException e) {
                        String name = file.getFileName().toString().replaceFirst("\\.json$", "");
                        broken.add(new StyleInfo(name, false, "", file.toString()).setMissing(file + ": " + e.getMessage()));
                        LOG.warn("the Style file {} cannot be used: {}", file, e.getMessage());
                    }
                }
            } catch (IOException e) {
                LOG.warn("cannot list the Styles in {}: {}", folder, e.getMessage());
            }
        }
        return new StyleBook(Map.copyOf(styles), List.copyOf(broken));
    }

    /** A recipe checked field by field; the message names the field that is wrong. */
    static Style parse(String json, String source) {
        JsonObject recipe;
        try {
            JsonElement parsed = JsonParser.parseString(json);
            if (!parsed.isJsonObject()) {
                throw new IllegalArgumentException("is not a JSON object");
            }
            recipe = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("is not valid JSON (" + e.getMessage() + ")");
        }
        for (String field : recipe.keySet()) {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException("field '" + field + "' is not a Style field (" + String.join(", ", FIELDS) + ")");
            }
        }
        String name = text(recipe, "name");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("field 'name' is missing");
        }
        for (String field : List.of("vae", "prompt", "negative", "scheduler", "description")) {
            text(recipe, field);
        }
        for (String field : List.of("steps", "variants", "clipSkip")) {
            whole(recipe, field);
        }
        for (String field : List.of("guidance", "strength")) {
            number(recipe, field);
        }
        String template = text(recipe, "prompt");
        if (template != null && !template.contains("{prompt}")) {
            throw new IllegalArgumentException("field 'prompt' is a template and must hold {prompt}, where the request's prompt goes");
        }
        checkpoints(recipe);
        loras(recipe);
        return new Style(name, recipe, source);
    }

    /** Every Style for capabilities: whether what it needs is installed, and the files that could not be read. */
    public List<StyleInfo> infos(List<ModelInfo> installed) {
        Set<String> names = installed.stream().map(ModelInfo::getName).collect(Collectors.toSet());
        List<StyleInfo> infos = new ArrayList<>();
        for (Style style : styles.values()) {
            List<String> missing = new ArrayList<>();
            List<String> checkpoints = checkpoints(style.recipe());
            if (!checkpoints.isEmpty() && checkpoints.stream().noneMatch(names::contains)) {
                missing.add("a checkpoint (" + String.join(" or ", checkpoints) + ")");
            }
            for (LoraChoice lora : loras(style.recipe())) {
                if (!names.contains(lora.getName())) {
                    missing.add("the LoRA " + lora.getName());
                }
            }
            String vae = text(style.recipe(), "vae");
            if (vae != null && !names.contains(vae)) {
                missing.add("the VAE " + vae);
            }
            StyleInfo info = new StyleInfo(style.name(), missing.isEmpty(), style.recipe().toString(), style.source());
            if (!missing.isEmpty()) {
                info.setMissing("needs " + String.join(", ", missing) + " in the model directory");
            }
            infos.add(info);
        }
        infos.addAll(broken);
        return infos;
    }

    /**
     * The request with the Style it names filling what it leaves unset; the request itself when
     * it names none. The Style's name goes into the result's details through {@code style}.
     *
     * @param installed the models there are, to pick the Style's first installed checkpoint
     */
    public EditRequest apply(EditRequest request, List<ModelInfo> installed) throws InvalidRequest {
        if (request == null || !request.isSetStyle()) {
            return request;
        }
        Style style = styles.get(request.getStyle());
        if (style == null) {
            throw new InvalidRequest("style", "no Style named '" + request.getStyle() + "'; there are: "
                    + String.join(", ", styles.keySet()));
        }
        JsonObject r = style.recipe();
        EditRequest out = request.deepCopy();
        List<String> checkpoints = checkpoints(r);
        if (!checkpoints.isEmpty() && (!out.isSetEngine() || out.getEngine().equals("auto"))) {
            Set<String> names = installed.stream().map(ModelInfo::getName).collect(Collectors.toSet());
            String chosen = checkpoints.stream().filter(names::contains).findFirst().orElseThrow(() -> new InvalidRequest(
                    "style", "the Style '" + style.name() + "' needs one of the checkpoints " + checkpoints + ", and none is installed"));
            out.setEngine(chosen);
        }
        if (!out.isSetLoras() && r.has("loras")) {
            out.setLoras(loras(r));
        }
        if (!out.isSetVae() && text(r, "vae") != null) {
            out.setVae(text(r, "vae"));
        }
        String template = text(r, "prompt");
        if (template != null) {
            out.setPrompt(template.replace("{prompt}", out.isSetPrompt() ? out.getPrompt() : ""));
        }
        if (!out.isSetNegativePrompt() && text(r, "negative") != null) {
            out.setNegativePrompt(text(r, "negative"));
        }
        if (!out.isSetScheduler() && text(r, "scheduler") != null) {
            out.setScheduler(text(r, "scheduler"));
        }
        if (!out.isSetSteps() && whole(r, "steps") != null) {
            out.setSteps(whole(r, "steps"));
        }
        if (!out.isSetGuidance() && number(r, "guidance") != null) {
            out.setGuidance(number(r, "guidance"));
        }
        if (!out.isSetClipSkip() && whole(r, "clipSkip") != null) {
            out.setClipSkip(whole(r, "clipSkip"));
        }
        if (!out.isSetStrength() && number(r, "strength") != null) {
            out.setStrength(number(r, "strength"));
        }
        if (!out.isSetVariants() && whole(r, "variants") != null) {
            out.setVariants(whole(r, "variants"));
        }
        return out;
    }

    private static String text(JsonObject recipe, String field) {
        JsonElement value = recipe.get(field);
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("field '" + field + "' must be a string");
        }
        return value.getAsString();
    }

    private static Double number(JsonObject recipe, String field) {
        JsonElement value = recipe.get(field);
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("field '" + field + "' must be a number");
        }
        return value.getAsDouble();
    }

    private static Integer whole(JsonObject recipe, String field) {
        Double value = number(recipe, field);
        if (value == null) {
            return null;
        }
        if (value != Math.rint(value)) {
            throw new IllegalArgumentException("field '" + field + "' must be a whole number, not " + value);
        }
        return value.intValue();
    }

    private static List<String> checkpoints(JsonObject recipe) {
        JsonElement value = recipe.get("checkpoint");
        if (value == null || value.isJsonNull()) {
            return List.of();
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return List.of(value.getAsString());
        }
        if (!value.isJsonArray()) {
            throw new IllegalArgumentException("field 'checkpoint' must be a list of checkpoint names");
        }
        List<String> names = new ArrayList<>();
        for (JsonElement e : value.getAsJsonArray()) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw new IllegalArgumentException("field 'checkpoint' must be a list of checkpoint names");
            }
            names.add(e.getAsString());
        }
        return names;
    }

    private static List<LoraChoice> loras(JsonObject recipe) {
        JsonElement value = recipe.get("loras");
        if (value == null || value.isJsonNull()) {
            return List.of();
        }
        if (!value.isJsonArray()) {
            throw new IllegalArgumentException("field 'loras' must be a list of {\"name\": ..., \"weight\": ...}");
        }
        List<LoraChoice> loras = new ArrayList<>();
        JsonArray array = value.getAsJsonArray();
        for (JsonElement e : array) {
            if (!e.isJsonObject() || text(e.getAsJsonObject(), "name") == null) {
                throw new IllegalArgumentException("field 'loras' must be a list of {\"name\": ..., \"weight\": ...}");
            }
            LoraChoice choice = new LoraChoice(text(e.getAsJsonObject(), "name"));
            Double weight = number(e.getAsJsonObject(), "weight");
            if (weight != null) {
                choice.setWeight(weight);
            }
            loras.add(choice);
        }
        return loras;
    }
}
