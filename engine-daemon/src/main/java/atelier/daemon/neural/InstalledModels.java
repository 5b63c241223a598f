package atelier.daemon.neural;

import atelier.bridge.models.ModelManifest.ModelPackage;
import atelier.bridge.models.ModelManifest;
import atelier.bridge.models.ModelState.FileState;
import atelier.bridge.models.ModelState;
import atelier.bridge.thrift.ModelInfo;
import atelier.daemon.neural.diffusion.DiffusionInpaint;
import atelier.daemon.neural.diffusion.DiffusionLineArtPainter;
import atelier.daemon.neural.diffusion.InstalledAddOns;
import atelier.daemon.neural.diffusion.LoadedCheckpoint;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointKind;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.text.TextualInversions;
import atelier.daemon.neural.isnet.IsnetCutout;
import atelier.daemon.neural.isnet.IsnetModel;
import atelier.daemon.ops.CutoutEngine;
import atelier.daemon.ops.InpaintEngine;
import atelier.daemon.ops.LineArtPainter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the model directory holds, read once when the daemon starts: each file is checked
 * against the manifest (size and sha256), intact ones become engines, damaged ones are
 * reported with how to repair them; .safetensors files dropped in are listed by what their
 * header says they are (CheckpointListing). The daemon never writes there.
 */
public final class InstalledModels implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InstalledModels.class);

    /** The package whose files are ISNet engines for remove-background. */
    static final String ISNET = "isnet";

    private final List<CutoutEngine> cutoutEngines;
    private final Map<String, String> unavailable;
    private final List<ModelInfo> infos;
    private final List<IsnetModel> loaded;
    private final List<CheckpointListing.Found> checkpoints;
    private final Path modelDir;

    private InstalledModels(List<CutoutEngine> cutoutEngines, Map<String, String> unavailable, List<ModelInfo> infos,
                            List<IsnetModel> loaded, List<CheckpointListing.Found> checkpoints, Path modelDir) {
        this.cutoutEngines = List.copyOf(cutoutEngines);
        this.unavailable = Map.copyOf(unavailable);
        this.infos = List.copyOf(infos);
        this.loaded = List.copyOf(loaded);
        this.checkpoints = List.copyOf(checkpoints);
        this.modelDir = modelDir;
    }

    public static InstalledModels none() {
        return new InstalledModels(List.of(), Map.of(), List.of(), List.of(), List.of(), null);
    }

    /**
     * The folder for CLIP tokenizer files (`atelier models install clip-tokenizer` puts OpenAI's
     * merges file there; vocab.json + merges.txt or tokenizer.json work too). Without it the
     * tokenizer inside Atelier is used, which is the same file.
     */
    static final String TOKENIZER = "clip-tokenizer";

    private Sd15Widths architecture = Sd15Widths.SD15;
    private LoadedCheckpoint loadedCheckpoint;

    /** Runs checkpoints with another model's head and group counts (which no file shows): tests' tiny models. */
    public InstalledModels withArchitecture(Sd15Widths architecture) {
        this.architecture = architecture;
        return this;
    }

    /** The one checkpoint holder every diffusion engine shares, with the installed tokenizer or Atelier's own. */
    private synchronized LoadedCheckpoint loadedCheckpoint() {
        if (loadedCheckpoint == null) {
            loadedCheckpoint = new LoadedCheckpoint(tokenizerFolder().orElse(null), embeddingsFolder(), architecture);
        }
        return loadedCheckpoint;
    }

    /** One inpaint engine per SD 1.5 checkpoint, inpainting variants first (they see the mask). */
    public List<InpaintEngine> inpaintEngines() {
        LoadedCheckpoint loadedCheckpoint = loadedCheckpoint();
        InstalledAddOns loras = loras();
        List<InpaintEngine> engines = new ArrayList<>();
        files(CheckpointKind.SD15_INPAINTING).forEach(f -> engines.add(new DiffusionInpaint(f.name(), f.file(), true, loras,
                loadedCheckpoint)));
        files(CheckpointKind.SD15).forEach(f -> engines.add(new DiffusionInpaint(f.name(), f.file(), false, loras,
                loadedCheckpoint)));
        return engines;
    }

    private InstalledAddOns loras() {
        Map<String, Path> loras = new LinkedHashMap<>();
        files(CheckpointKind.LORA).forEach(f -> loras.put(f.name(), f.file()));
        Map<String, Path> vaes = new LinkedHashMap<>();
        files(CheckpointKind.VAE).forEach(f -> vaes.put(f.name(), f.file()));
        return new InstalledAddOns(loras, vaes);
    }

    /**
     * One line-art painter per pair of SD 1.5 base checkpoint and ControlNet (the inpainting
     * UNet expects a mask, so it does not colour whole drawings).
     */
    public List<LineArtPainter> lineArtPainters() {
        LoadedCheckpoint loadedCheckpoint = loadedCheckpoint();
        List<LineArtPainter> painters = new ArrayList<>();
        for (ModelFile checkpoint : files(CheckpointKind.SD15)) {
            for (ModelFile control : files(CheckpointKind.CONTROLNET)) {
                painters.add(new DiffusionLineArtPainter(checkpoint.name(), checkpoint.file(), control.name(), control.file(),
                        loras(), loadedCheckpoint));
            }
        }
        return painters;
    }

    /** What to install for inpainting, for when {@link #inpaintEngines()} is empty. */
    public String howToEnableInpaint() {
        return "inpaint needs a Stable Diffusion 1.5 model: atelier models install sd15-inpainting (or sd15), or put any"
                + " SD 1.5 .safetensors checkpoint in the model directory";
    }

    /** A model file of a kind, by the name capabilities() lists it under. */
    public record ModelFile(String name, Path file, CheckpointKind kind) {
    }

    /** The files of one kind (SD 1.5, its inpainting variant, LoRA, ...), in listing order. */
    public List<ModelFile> files(CheckpointKind kind) {
        return checkpoints.stream().filter(f -> f.kind() == kind).map(f -> new ModelFile(f.name(), f.file(), f.kind())).toList();
    }

    /** Where the CLIP tokenizer files are, or empty when they are not installed. */
    public Optional<Path> tokenizerFolder() {
        if (modelDir == null) {
            return Optional.empty();
        }
        Path folder = modelDir.resolve(TOKENIZER);
        boolean present = java.nio.file.Files.isRegularFile(folder.resolve("tokenizer.json"))
                || java.nio.file.Files.isRegularFile(folder.resolve("vocab.json")) && java.nio.file.Files.isRegularFile(folder.resolve("merges.txt"))
                || java.nio.file.Files.isRegularFile(folder.resolve("bpe_simple_vocab_16e6.txt.gz"));
        return present ? Optional.of(folder) : Optional.empty();
    }

    public static InstalledModels scan(Path modelDir) {
        return scan(modelDir, ModelManifest.bundled());
    }

    /** Textual-inversion embeddings go in MODELS/embeddings/. */
    static final String EMBEDDINGS = "embeddings";

    private Path embeddingsFolder() {
        return modelDir == null ? null : modelDir.resolve(EMBEDDINGS);
    }

    /** The embeddings in the model directory, for capabilities: usable ones by name, others saying why not. */
    private static List<ModelInfo> embeddingInfos(Path modelDir) {
        List<ModelInfo> infos = new ArrayList<>();
        if (modelDir == null) {
            return infos;
        }
        try {
            TextualInversions found = TextualInversions.load(modelDir.resolve(EMBEDDINGS), Sd15Widths.SD15.textWidth());
            for (TextualInversions.Embedding embedding : found.all()) {
                infos.add(new ModelInfo(embedding.name(), "embedding (" + embedding.vectors().length + " vectors)",
                        sizeOf(modelDir.resolve(EMBEDDINGS).resolve(embedding.name() + ".safetensors"))));
            }
            for (String why : found.unusable()) {
                infos.add(new ModelInfo(why.substring(0, why.indexOf(':')), "embedding, unusable: " + why.substring(why.indexOf(':') + 2), 0));
            }
        } catch (IOException e) {
            LOG.warn("cannot read the embeddings in {}", modelDir.resolve(EMBEDDINGS), e);
        }
        return infos;
    }

    static InstalledModels scan(Path modelDir, ModelManifest manifest) {
        List<CutoutEngine> engines = new ArrayList<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        List<ModelInfo> infos = new ArrayList<>();
        List<IsnetModel> models = new ArrayList<>();
        // Checkpoints dropped into the directory are listed whatever becomes of ISNet.
        List<CheckpointListing.Found> checkpoints = CheckpointListing.scan(modelDir);
        List<ModelInfo> checkpointInfos = new ArrayList<>(checkpoints.stream().map(CheckpointListing.Found::info).toList());
        checkpointInfos.addAll(embeddingInfos(modelDir));
        ModelPackage isnet = manifest.find(ISNET).orElse(null);
        if (isnet == null) {
            return new InstalledModels(List.of(), Map.of(), checkpointInfos, List.of(), checkpoints, modelDir);
        }
        ModelState state;
        try {
            state = ModelState.inspect(modelDir, isnet);
        } catch (IOException e) {
            LOG.warn("cannot read the model directory {}", modelDir, e);
            return new InstalledModels(List.of(), Map.of(), checkpointInfos, List.of(), checkpoints, modelDir);
        }
        for (FileState file : state.files()) {
            String engine = file.file().engine();
            switch (file.status()) {
                case OK -> {
                    IsnetModel model = new IsnetModel(engine, file.path());
                    models.add(model);
                    engines.add(new IsnetCutout(engine, file.file().precision(), model));
                    infos.add(new ModelInfo(engine, isnet.kind(), file.file().size()));
                }
                case DAMAGED -> {
                    String reason = "the " + engine + " model " + file.path() + " is damaged (" + file.problem() + "): "
                            + state.howToRepair();
                    LOG.warn(reason);
                    unavailable.put(engine, reason);
                    infos.add(new ModelInfo(engine, isnet.kind() + " (damaged: " + file.problem() + "; " + state.howToRepair() + ")",
                            sizeOf(file.path())));
                }
                case MISSING -> unavailable.put(engine, "the " + engine + " model is not installed: install it with"
                        + " `atelier models install " + isnet.name() + "`");
            }
        }
        infos.addAll(checkpointInfos);
        return new InstalledModels(engines, unavailable, infos, models, checkpoints, modelDir);
    }

    private static long sizeOf(Path file) {
        try {
            return java.nio.file.Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Installed ISNet engines, the default one first. */
    public List<CutoutEngine> cutoutEngines() {
        return cutoutEngines;
    }

    /** Model engines a request may name but cannot have now, and why (damaged, not installed). */
    public Map<String, String> unavailable() {
        return unavailable;
    }

    /** For capabilities(): every model file found, ISNet first, damaged or unknown ones saying so in their kind. */
    public List<ModelInfo> infos() {
        return infos;
    }

    @Override
    public synchronized void close() {
        loaded.forEach(IsnetModel::close);
        if (loadedCheckpoint != null) {
            loadedCheckpoint.close();
        }
    }
}
