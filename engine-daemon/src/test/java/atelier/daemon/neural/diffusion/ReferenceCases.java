package atelier.daemon.neural.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.checkpoint.TensorInfo;
import atelier.daemon.neural.diffusion.net.Autoencoder;
import atelier.daemon.neural.diffusion.net.CheckpointWeights;
import atelier.daemon.neural.diffusion.net.ControlNet;
import atelier.daemon.neural.diffusion.net.ControlResiduals;
import atelier.daemon.neural.diffusion.net.TextEncoder;
import atelier.daemon.neural.diffusion.net.TinyAutoencoder;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import atelier.daemon.neural.diffusion.net.UNet;
import atelier.daemon.neural.diffusion.pipeline.Sd15Model;
import atelier.daemon.neural.diffusion.pipeline.UNetNoisePredictor;
import atelier.daemon.neural.diffusion.sampling.Guidance;
import atelier.daemon.neural.diffusion.sampling.Latents;
import atelier.daemon.neural.diffusion.sampling.NoiseSource;
import atelier.daemon.neural.diffusion.sampling.Sampler;
import atelier.daemon.neural.diffusion.sampling.Scheduler;
import atelier.daemon.neural.diffusion.sampling.SchedulerRun;
import atelier.daemon.neural.diffusion.sampling.TensorLatents;
import atelier.daemon.neural.diffusion.text.ClipTokenizer;
import atelier.daemon.neural.diffusion.text.PromptEncoder;
import atelier.daemon.neural.diffusion.text.TextualInversions;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Atelier's networks and samplers against what the original public code computed on the same
 * tiny checkpoints (a folder in the format of {@code ../shared/reference}: its README says how
 * it was made). Every checkpoint goes through the loader the daemon uses; the widths, head
 * and group counts come from the folder's {@code generation.json}, never from here. Each case
 * compares every output tensor its sidecar lists and answers the largest difference.
 */
public final class ReferenceCases {

    /** Single networks: float32 on the same float16-rounded weights. */
    public static final double NETWORK_TOLERANCE = 1e-4;
    /** Whole sampling runs: ten guided steps let float32 rounding grow (the reference README's drift). */
    public static final double SAMPLING_TOLERANCE = 2e-3;

    /**
     * One case's outcome.
     *
     * @param difference the largest |ours - reference| over the case's outputs (NaN when it could not run)
     * @param worst      which output (or what) the difference was largest in, or why the case did not run
     */
    public record Outcome(String name, double difference, double tolerance, String worst) {
        public boolean ok() {
            return difference <= tolerance;
        }

        public String line() {
            return String.format("%-26s %10.3g %9.0e  %s%s", name, difference, tolerance, ok() ? "ok" : "FAIL",
                    worst.isEmpty() ? "" : "  (" + worst + ")");
        }
    }

    /** The folder cannot be read as reference data. */
    public static final class UnreadableFolder extends IOException {
        UnreadableFolder(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Pattern COND_SCALE = Pattern.compile("cond_scale: ([0-9.]+)");

    private final Path folder;
    private final JsonObject architecture;
    private final TorchRuntime torch = TorchRuntime.cpu();

    public ReferenceCases(Path folder) throws UnreadableFolder {
        this.folder = folder;
        try {
            JsonObject generation = JsonParser.parseString(Files.readString(folder.resolve("generation.json"))).getAsJsonObject();
            this.architecture = generation.getAsJsonObject("architecture");
            if (architecture == null) {
                throw new IOException("generation.json has no \"architecture\"");
            }
        } catch (IOException | RuntimeException e) {
            throw new UnreadableFolder(folder + " is not reference data: " + e.getMessage(), e);
        }
    }

    /** The case sidecars in the folder, by name. */
    public List<Path> sidecars() throws UnreadableFolder {
        try (Stream<Path> files = Files.list(folder.resolve("cases"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UnreadableFolder("cannot list " + folder.resolve("cases") + ": " + e.getMessage(), e);
        }
    }

    /** The LoRA cases (lora/expected/*.json) of the folder, by name; none when it has no lora/ folder. */
    public List<Path> loraSidecars() throws UnreadableFolder {
        Path expected = folder.resolve("lora/expected");
        if (!Files.isDirectory(expected)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(expected)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .filter(f -> !f.getFileName().toString().startsWith("textual-inversion")).sorted().toList();
        } catch (IOException e) {
            throw new UnreadableFolder("cannot list " + expected + ": " + e.getMessage(), e);
        }
    }

    /** Every case, in name order, the LoRA cases last. */
    public List<Outcome> runAll() throws UnreadableFolder {
        List<Outcome> outcomes = new ArrayList<>();
        for (Path sidecar : sidecars()) {
            outcomes.add(run(sidecar));
        }
        for (Path sidecar : loraSidecars()) {
            outcomes.add(runLora(sidecar));
        }
        if (Files.exists(textualInversionSidecar())) {
            outcomes.add(runTextualInversion(textualInversionSidecar()));
        }
        return outcomes;
    }

    public Path textualInversionSidecar() {
        return folder.resolve("lora/expected/textual-inversion.json");
    }

    /**
     * The embeddings of lora/embeddings named in prompts the A1111 way and the ComfyUI way: the
     * bundled tokenizer must give ComfyUI's ids (placeholders where the vectors go) and the text
     * encoder its last hidden state.
     */
    public Outcome runTextualInversion(Path sidecar) {
        String name = "lora/textual-inversion";
        try (NDManager m = torch.newManager()) {
            JsonObject json = JsonParser.parseString(Files.readString(sidecar)).getAsJsonObject();
            Sd15Widths widths = widths(4);
            TextualInversions embeddings = TextualInversions.load(folder.resolve("lora/embeddings"), widths.textWidth());
            TextEncoder encoder = TextEncoder.load(Safetensors.open(folder.resolve("sd15-tiny.safetensors")), widths, torch, m);
            ClipTokenizer tokenizer = ClipTokenizer.bundled();
            Tensors t = new Tensors(Safetensors.open(folder.resolve("lora").resolve(json.get("file").getAsString())), m);
            long[] expectedIds = t.longs("ids");
            NDArray expectedHidden = t.get("last_hidden_state");
            Compared compared = new Compared();
            JsonArray prompts = json.getAsJsonArray("prompts");
            int length = ClipTokenizer.CONTEXT_LENGTH;
            for (int row = 0; row < prompts.size(); row++) {
                JsonObject prompt = prompts.get(row).getAsJsonObject();
                for (String way : List.of("a1111_prompt", "comfy_prompt")) {
                    List<TextualInversions.Embedding> used = new ArrayList<>();
                    int[] ids = tokenizer.encode(prompt.get(way).getAsString(), embeddings, widths.textVocab(), used).ids();
                    int wrong = 0;
                    for (int k = 0; k < length; k++) {
                        wrong += ids[k] == expectedIds[row * length + k] ? 0 : 1;
                    }
                    compared.note("ids of " + way + " " + row, wrong);
                    NDArray hidden = encoder.encode(m.create(ids, new Shape(1, length)), 1,
                            used.isEmpty() ? null : PromptEncoder.vectors(m, used));
                    compared.add("last_hidden_state of " + way + " " + row, hidden.get(0), expectedHidden.get(row));
                }
            }
            return new Outcome(name, compared.largest, NETWORK_TOLERANCE, compared.worst);
        } catch (IOException | RuntimeException e) {
            return new Outcome(name, Double.NaN, NETWORK_TOLERANCE, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * A LoRA file through the daemon's loader on the tiny checkpoint at the case's strength: the
     * UNet's eps and the text encoder's last hidden state against what ComfyUI's merged weights
     * gave (for a file where ComfyUI skipped keys, against the outputs with every key applied).
     */
    public Outcome runLora(Path sidecar) {
        String name = "lora/" + sidecar.getFileName().toString().replaceFirst("\\.json$", "");
        try {
            JsonObject json = JsonParser.parseString(Files.readString(sidecar)).getAsJsonObject();
            double strength = json.get("strength_model").getAsDouble();
            if (json.has("strength_clip") && json.get("strength_clip").getAsDouble() != strength) {
                throw new IllegalArgumentException("strength_clip differs from strength_model: Atelier applies one weight");
            }
            Path lora = folder.resolve("lora").resolve(json.get("lora_file").getAsString());
            try (Sd15Model model = Sd15Model.load("sd15-tiny", folder.resolve("sd15-tiny.safetensors"), null, widths(4), torch);
                 NDManager m = torch.newManager()) {
                Tensors t = new Tensors(Safetensors.open(folder.resolve("lora").resolve(json.get("file").getAsString())), m);
                Compared compared = new Compared();
                model.inRequest(List.of(new Sd15Model.LoraUse(lora, strength)), request -> {
                    String eps = t.has("eps_all_keys") ? "eps_all_keys" : "eps";
                    String hidden = t.has("last_hidden_state_all_keys") ? "last_hidden_state_all_keys" : "last_hidden_state";
                    compared.add(eps, model.unet().predictNoise(t.get("x"), t.get("timesteps"), t.get("context"), null), t, eps);
                    compared.add(hidden, model.textEncoder().encode(t.get("text_ids")), t, hidden);
                    return null;
                });
                return new Outcome(name, compared.largest, NETWORK_TOLERANCE, compared.worst);
            }
        } catch (IOException | JobCancelledException | RuntimeException e) {
            return new Outcome(name, Double.NaN, NETWORK_TOLERANCE, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** One case; an error inside it is its failure, not the whole check's. */
    public Outcome run(Path sidecar) {
        String name = sidecar.getFileName().toString().replaceFirst("\\.json$", "");
        try {
            JsonObject json = JsonParser.parseString(Files.readString(sidecar)).getAsJsonObject();
            name = json.has("case") ? json.get("case").getAsString() : name;
            try (NDManager m = torch.newManager()) {
                // The TAESD sidecar names no file: its tensors sit beside it under the case's name.
                String file = json.has("file") ? json.get("file").getAsString() : "cases/" + name + ".safetensors";
                Tensors tensors = new Tensors(Safetensors.open(folder.resolve(file)), m);
                Compared compared = new Compared();
                double tolerance = NETWORK_TOLERANCE;
                switch (name) {
                    case "unet" -> unet(json, tensors, m, 4, compared);
                    case "unet-inpainting" -> unet(json, tensors, m, 9, compared);
                    case "unet-controlled" -> controlledUnet(json, tensors, m, compared);
                    case "controlnet" -> controlNet(json, tensors, m, compared);
                    case "vae-encode" -> vaeEncode(json, tensors, m, compared);
                    case "vae-decode" -> compared.add("image", vae(json, m).decode(tensors.get("z")), tensors, "image");
                    case "sampling-ddim-decode" -> compared.add("image",
                            vae(json, m).decode(tensors.get("latent").div(Autoencoder.SCALE_FACTOR)), tensors, "image");
                    case "text" -> text(json, tensors, m, compared);
                    case "taesd" -> taesd(json, tensors, m, compared);
                    default -> {
                        if (!name.startsWith("sampling-")) {
                            return new Outcome(name, Double.NaN, tolerance, "no comparison for a case of this name");
                        }
                        tolerance = SAMPLING_TOLERANCE;
                        sampling(name, json, tensors, m, compared);
                    }
                }
                return new Outcome(name, compared.largest, tolerance, compared.worst);
            }
        } catch (IOException | JobCancelledException | RuntimeException e) {
            return new Outcome(name, Double.NaN, NETWORK_TOLERANCE, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    // ---- the networks ----

    /** SD 1.5's structure at the folder's widths; a folder whose structure differs is refused naming the field. */
    public Sd15Widths widths(int unetInChannels) {
        JsonObject unet = architecture.getAsJsonObject("unet");
        JsonObject vae = architecture.getAsJsonObject("vae");
        JsonObject text = architecture.getAsJsonObject("text");
        requireList(unet, "channel_mult", List.of(1, 2, 4, 4));
        requireList(vae, "ch_mult", List.of(1, 2, 4, 4));
        requireList(unet, "attention_resolutions", List.of(4, 2, 1));
        requireInt(unet, "num_res_blocks", 2);
        requireInt(vae, "num_res_blocks", 2);
        requireInt(vae, "z_channels", Sd15Widths.LATENT_CHANNELS);
        requireInt(unet, "context_dim", text.get("width").getAsInt());
        return new Sd15Widths(unet.get("model_channels").getAsInt(), unetInChannels, vae.get("ch").getAsInt(),
                text.get("width").getAsInt(), text.get("layers").getAsInt(), text.get("vocab").getAsInt(),
                text.get("context_length").getAsInt(), unet.get("num_heads").getAsInt(), text.get("heads").getAsInt(),
                architecture.get("norm_groups").getAsInt());
    }

    private static void requireInt(JsonObject o, String field, int expected) {
        if (o.get(field).getAsInt() != expected) {
            throw new IllegalArgumentException(field + " is " + o.get(field) + "; Atelier's SD 1.5 networks have " + expected);
        }
    }

    private static void requireList(JsonObject o, String field, List<Integer> expected) {
        List<Integer> actual = new ArrayList<>();
        o.getAsJsonArray(field).forEach(e -> actual.add(e.getAsInt()));
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException(field + " is " + actual + "; Atelier's SD 1.5 networks have " + expected);
        }
    }

    private Path checkpoint(JsonObject json, int index) {
        return folder.resolve(json.getAsJsonArray("checkpoint").get(index).getAsString());
    }

    private UNet loadUnet(Path file, int inChannels, NDManager m) throws IOException {
        UNet unet = new UNet(widths(inChannels));
        CheckpointWeights.load(unet, Safetensors.open(file), m, torch.device(), DataType.FLOAT32);
        return unet;
    }

    private Autoencoder vae(JsonObject json, NDManager m) throws IOException {
        Autoencoder vae = new Autoencoder(Sd15Layout.VAE, widths(4));
        CheckpointWeights.load(vae, Safetensors.open(checkpoint(json, 0)), m, torch.device(), DataType.FLOAT32);
        return vae;
    }

    private void unet(JsonObject json, Tensors t, NDManager m, int inChannels, Compared compared) throws IOException {
        UNet unet = loadUnet(checkpoint(json, 0), inChannels, m);
        compared.add("eps", unet.predictNoise(t.get("x"), t.get("timesteps"), t.get("context"), null), t, "eps");
    }

    private ControlResiduals residuals(Tensors t, int count) {
        List<NDArray> inputs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inputs.add(t.get("control." + i));
        }
        return new ControlResiduals(inputs, t.get("control.middle"));
    }

    private void controlledUnet(JsonObject json, Tensors t, NDManager m, Compared compared) throws IOException {
        UNet unet = loadUnet(checkpoint(json, 0), 4, m);
        int skips = unet.skipShapes(t.get("x").getShape()).size();
        compared.add("eps", unet.predictNoise(t.get("x"), t.get("timesteps"), t.get("context"), residuals(t, skips)), t, "eps");
        compared.add("eps_without_control", unet.predictNoise(t.get("x"), t.get("timesteps"), t.get("context"), null), t,
                "eps_without_control");
    }

    private void controlNet(JsonObject json, Tensors t, NDManager m, Compared compared) throws IOException {
        ControlNet control = ControlNet.load(Safetensors.open(checkpoint(json, 0)), widths(4), m, torch);
        ControlResiduals out = control.forward(t.get("x"), t.get("hint"), t.get("timesteps"), t.get("context"), 1f);
        for (int i = 0; i < out.inputs().size(); i++) {
            compared.add("control." + i, out.inputs().get(i), t, "control." + i);
        }
        compared.add("control.middle", out.middle(), t, "control.middle");
    }

    private void vaeEncode(JsonObject json, Tensors t, NDManager m, Compared compared) throws IOException {
        Autoencoder.LatentDistribution latent = vae(json, m).encode(t.get("image"));
        compared.add("mean", latent.mean(), t, "mean");
        // DiagonalGaussianDistribution clamps the log-variance; compare it as the reference stores it.
        compared.add("logvar", latent.logVar().clip(-30, 20), t, "logvar");
        compared.add("moments", latent.mean().concat(latent.logVar(), 1), t, "moments");
    }

    private void text(JsonObject json, Tensors t, NDManager m, Compared compared) throws IOException {
        Safetensors file = Safetensors.open(checkpoint(json, 0));
        TextEncoder encoder = TextEncoder.load(file, widths(4), torch, m);
        NDArray ids = t.get("ids");
        compared.add("last_hidden_state", encoder.encode(ids), t, "last_hidden_state");
        compared.add("penultimate_hidden_state_ln", encoder.encode(ids, 2), t, "penultimate_hidden_state_ln");
        // The tokenizer inside Atelier must give the ids the original tokenizer gave, prompt by prompt.
        if (json.has("prompts")) {
            ClipTokenizer tokenizer = ClipTokenizer.bundled();
            long[] expected = t.longs("ids");
            int length = ClipTokenizer.CONTEXT_LENGTH;
            for (JsonElement p : json.getAsJsonArray("prompts")) {
                JsonObject prompt = p.getAsJsonObject();
                int row = prompt.get("row").getAsInt();
                int[] ours = tokenizer.encode(prompt.get("text").getAsString()).ids();
                int wrong = 0;
                for (int k = 0; k < length; k++) {
                    wrong += ours[k] == expected[row * length + k] ? 0 : 1;
                }
                compared.note("token ids of '" + prompt.get("name").getAsString() + "'", wrong);
            }
        }
    }

    private void taesd(JsonObject json, Tensors t, NDManager m, Compared compared) throws IOException {
        TinyAutoencoder.Encoder encoder = new TinyAutoencoder.Encoder();
        CheckpointWeights.load(encoder, Safetensors.open(checkpoint(json, 0)), m, torch.device(), DataType.FLOAT32);
        TinyAutoencoder.Decoder decoder = new TinyAutoencoder.Decoder();
        CheckpointWeights.load(decoder, Safetensors.open(checkpoint(json, 1)), m, torch.device(), DataType.FLOAT32);
        compared.add("encoded", encoder.apply(t.get("image")), t, "encoded");
        compared.add("decoded", decoder.apply(t.get("latent_in")), t, "decoded");
    }

    // ---- sampling ----

    private void sampling(String name, JsonObject json, Tensors t, NDManager m, Compared compared)
            throws IOException, JobCancelledException {
        Scheduler scheduler = Scheduler.named(switch (name) {
            case "sampling-ddim" -> "ddim";
            case "sampling-euler" -> "euler";
            case "sampling-euler-ancestral" -> "euler-a";
            case "sampling-dpmpp2m" -> "dpmpp-2m-karras";
            default -> throw new IllegalArgumentException("no Atelier scheduler for case " + name);
        });
        int steps = json.has("steps") ? json.get("steps").getAsInt() : json.getAsJsonArray("sigmas_list").size() - 1;
        double scale = guidanceScale(json);
        SchedulerRun run = scheduler.plan(steps, 1);
        // The noise levels the run visits must be the reference's own.
        if (json.has("sigmas_list")) {
            compared.add("sigmas", run.sigmas(), doubles(json.getAsJsonArray("sigmas_list")));
        }
        if (t.has("ddim_timesteps")) {
            long[] ascending = t.longs("ddim_timesteps");
            double[] visited = new double[steps];
            double[] expected = new double[steps];
            for (int i = 0; i < steps; i++) {
                visited[i] = run.timestep(i);
                expected[i] = ascending[steps - 1 - i];
            }
            compared.add("ddim timesteps", visited, expected);
        }
        if (t.has("steps_t")) {
            // Timesteps are compared as a share of the training steps: t/1000 is what float32 rounding acts on.
            float[] expected = t.get("steps_t").toFloatArray();
            double[] ours = new double[steps];
            double[] theirs = new double[steps];
            for (int i = 0; i < steps; i++) {
                ours[i] = run.timestep(i) / 1000;
                theirs[i] = expected[i] / 1000.0;
            }
            compared.add("timesteps / 1000", ours, theirs);
        }
        UNet unet = loadUnet(checkpoint(json, 0), 4, m);
        Sampler<NDArray> sampler = new Sampler<>(new UNetNoisePredictor(unet, DataType.FLOAT32), scheduler);
        Guidance<NDArray> guidance = new Guidance<>(t.get("cond"), t.get("uncond"), scale);
        NoiseSource stepNoise = t.has("noise") ? new StoredNoise(t.get("noise")) : template -> {
            throw new IllegalStateException("the reference run drew no noise after the start, this one asked for some");
        };
        Latents latent = sampler.textToImage(TensorLatents.of(t.get("x_T")), stepNoise, guidance, steps, Progress.NONE);
        compared.add("latent", ((TensorLatents) latent).array(), t, "latent");
    }

    private static double guidanceScale(JsonObject json) {
        if (json.has("guidance")) {
            return json.get("guidance").getAsDouble();
        }
        Matcher matcher = COND_SCALE.matcher(json.get("call").getAsString());
        if (!matcher.find()) {
            throw new IllegalArgumentException("the case states no guidance scale");
        }
        return Double.parseDouble(matcher.group(1));
    }

    private static double[] doubles(JsonArray array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).getAsDouble();
        }
        return values;
    }

    /** The per-step noise the reference drew, handed out in the order it was drawn. */
    private static final class StoredNoise implements NoiseSource {
        private final NDArray draws;
        private int next;

        StoredNoise(NDArray draws) {
            this.draws = draws;
        }

        @Override
        public Latents like(Latents template) {
            if (next >= draws.getShape().get(0)) {
                throw new IllegalStateException("the run asked for more noise than the reference drew (" + next + " draws)");
            }
            return TensorLatents.of(draws.get(next++));
        }
    }

    // ---- tensors and differences ----

    /** A case file's tensors as float32 arrays in one manager. */
    private static final class Tensors {
        private final Safetensors file;
        private final NDManager manager;

        Tensors(Safetensors file, NDManager manager) {
            this.file = file;
            this.manager = manager;
        }

        boolean has(String name) {
            return file.header().has(name);
        }

        NDArray get(String name) {
            TensorInfo info = file.tensor(name);
            Shape shape = new Shape(info.shape());
            if (info.dtype() == DType.I64) {
                long[] values = longs(name);
                float[] floats = new float[values.length];
                for (int i = 0; i < values.length; i++) {
                    floats[i] = values[i];
                }
                return manager.create(floats, shape);
            }
            return manager.create(file.floats(name), shape);
        }

        long[] longs(String name) {
            ByteBuffer bytes = file.bytes(name).order(ByteOrder.LITTLE_ENDIAN);
            long[] values = new long[bytes.remaining() / Long.BYTES];
            bytes.asLongBuffer().get(values);
            return values;
        }
    }

    /** The largest difference seen so far, and where. */
    private static final class Compared {
        double largest;
        String worst = "";

        void add(String what, NDArray ours, Tensors reference, String name) {
            add(what, ours, reference.get(name));
        }

        void add(String what, NDArray ours, NDArray expected) {
            if (!ours.getShape().equals(expected.getShape())) {
                throw new IllegalStateException(what + " has shape " + ours.getShape() + ", the reference " + expected.getShape());
            }
            record(what, ours.toType(DataType.FLOAT32, false).sub(expected).abs().max().getFloat());
        }

        void add(String what, double[] ours, double[] expected) {
            if (ours.length != expected.length) {
                throw new IllegalStateException(what + ": " + ours.length + " values, the reference " + expected.length);
            }
            double d = 0;
            for (int i = 0; i < ours.length; i++) {
                d = Math.max(d, Math.abs(ours[i] - expected[i]));
            }
            record(what, d);
        }

        /** A count of mismatches that must be zero: any mismatch fails the case outright. */
        void note(String what, int mismatches) {
            if (mismatches > 0) {
                record(what + ": " + mismatches + " differ", Double.POSITIVE_INFINITY);
            }
        }

        private void record(String what, double difference) {
            if (Double.isNaN(difference)) {
                difference = Double.POSITIVE_INFINITY;
            }
            if (difference >= largest) {
                largest = difference;
                worst = what;
            }
        }
    }

    /** Every case's line, then the tally, for a person or a CI log. */
    public static Map<String, Integer> print(List<Outcome> outcomes, java.io.PrintStream out) {
        out.printf("%-26s %10s %9s  %s%n", "case", "max|diff|", "tolerance", "result");
        int passed = 0;
        int failed = 0;
        for (Outcome o : outcomes) {
            out.println(o.line());
            if (o.ok()) {
                passed++;
            } else {
                failed++;
            }
        }
        out.println(passed + " passed, " + failed + " failed");
        Map<String, Integer> tally = new LinkedHashMap<>();
        tally.put("passed", passed);
        tally.put("failed", failed);
        return tally;
    }
}
