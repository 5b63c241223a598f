package atelier.bridge.models;

import atelier.bridge.models.ModelManifest.ModelFile;
import atelier.bridge.models.ModelManifest.ModelPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How one package stands in the model directory, file by file: what the daemon reports
 * and what install compares against the manifest before it does anything.
 */
public record ModelState(ModelPackage model, Path dir, List<FileState> files) {

    public enum Status { OK, MISSING, DAMAGED }

    /** One file: its status and, when not OK, why, in words. */
    public record FileState(ModelFile file, Path path, Status status, String problem) {
    }

    /** Reads every file of the package and checks its size and sha256. */
    public static ModelState inspect(Path modelDir, ModelPackage model) throws IOException {
        Path dir = modelDir.resolve(model.name());
        List<FileState> files = new ArrayList<>();
        for (ModelFile file : model.files()) {
            Path path = dir.resolve(file.name());
            if (!Files.isRegularFile(path)) {
                files.add(new FileState(file, path, Status.MISSING, "not installed"));
            } else if (Files.size(path) != file.size()) {
                files.add(new FileState(file, path, Status.DAMAGED, String.format("%d bytes where the manifest says %d",
                        Files.size(path), file.size())));
            } else if (!ModelInstaller.sha256(path).equals(file.sha256())) {
                files.add(new FileState(file, path, Status.DAMAGED, "its sha256 differs from the manifest's"));
            } else {
                files.add(new FileState(file, path, Status.OK, null));
            }
        }
        return new ModelState(model, dir, List.copyOf(files));
    }

    /** Every file there and matching the manifest, and the licence beside them. */
    public boolean intact() {
        return files.stream().allMatch(f -> f.status() == Status.OK) && Files.isRegularFile(dir.resolve(ModelInstaller.LICENCE_FILE));
    }

    public boolean absent() {
        return files.stream().allMatch(f -> f.status() == Status.MISSING);
    }

    /** What to tell a person who wants to use a damaged or partial package. */
    public String howToRepair() {
        return "reinstall it with `atelier models install " + model.name() + "`";
    }

    /** One line for `atelier models list`. */
    public String summary() {
        if (intact()) {
            long bytes = files.stream().mapToLong(f -> f.file().size()).sum();
            return String.format("%-10s installed (%d bytes, %s) in %s; engines: %s", model.name(), bytes, model.licence(), dir,
                    String.join(", ", files.stream().map(f -> f.file().engine()).toList()));
        }
        if (absent()) {
            return String.format("%-10s not installed: %s (%s)", model.name(), model.description(), model.licence());
        }
        List<String> problems = files.stream().filter(f -> f.status() != Status.OK)
                .map(f -> f.file().name() + ": " + f.problem()).toList();
        return String.format("%-10s damaged (%s): %s", model.name(), String.join("; ", problems), howToRepair());
    }
}
