package atelier.daemon.neural;

import atelier.bridge.models.ModelManifest;
import atelier.bridge.models.ModelManifest.ModelPackage;
import atelier.bridge.models.ModelState;
import atelier.bridge.models.ModelState.FileState;
import atelier.bridge.thrift.ModelInfo;
import atelier.daemon.ops.CutoutEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    private InstalledModels(List<CutoutEngine> cutoutEngines, Map<String, String> unavailable, List<ModelInfo> infos,
                            List<IsnetModel> loaded) {
        this.cutoutEngines = List.copyOf(cutoutEngines);
        this.unavailable = Map.copyOf(unavailable);
        this.infos = List.copyOf(infos);
        this.loaded = List.copyOf(loaded);
    }

    public static InstalledModels none() {
        return new InstalledModels(List.of(), Map.of(), List.of(), List.of());
    }

    public static InstalledModels scan(Path modelDir) {
        return scan(modelDir, ModelManifest.bundled());
    }

    static InstalledModels scan(Path modelDir, ModelManifest manifest) {
        List<CutoutEngine> engines = new ArrayList<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        List<ModelInfo> infos = new ArrayList<>();
        List<IsnetModel> models = new ArrayList<>();
        // Checkpoints dropped into the directory are listed whatever becomes of ISNet.
        List<ModelInfo> checkpoints = CheckpointListing.scan(modelDir);
        ModelPackage isnet = manifest.find(ISNET).orElse(null);
        if (isnet == null) {
            return new InstalledModels(List.of(), Map.of(), checkpoints, List.of());
        }
        ModelState state;
        try {
            state = ModelState.inspect(modelDir, isnet);
        } catch (IOException e) {
            LOG.warn("cannot read the model directory {}", modelDir, e);
            return new InstalledModels(List.of(), Map.of(), checkpoints, List.of());
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
        infos.addAll(checkpoints);
        return new InstalledModels(engines, unavailable, infos, models);
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
    public void close() {
        loaded.forEach(IsnetModel::close);
    }
}
