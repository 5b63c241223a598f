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
        return inspect(modelDir, model, true);
    }

    /** Checks only that every file is there with its pinned size: no file is read. */
    public static ModelState inspectSizes(Path modelDir, ModelPackage model) throws IOException {
        return inspect(modelDir, model, false);
    }

    private static ModelState inspect(Path modelDir, ModelPackage model, boolean readContents) throws IOException {
        Path dir = modelDir.resolve(model.name());
        List<FileState> files = new ArrayList<>();
        for (ModelFile file : model.files()) {
            Path path = dir.resolve(file.name());
            if (!Files.isRegularFile(path)) {
                files.add(new FileState(file, path, Status.MISSING, "not installed"));
            } else if (file.size() != null && Files.size(path) != file.size()) {
                files.add(new FileState(file, path, Status.DAMAGED, String.format("%d bytes where the manifest says %d",
                        Files.size(path), file.size())));
            } else if (readContents && file.pinned() && !ModelInstaller.sha256(path).equals(file.sha256())) {
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

    /** Wide enough for the longest package name, so `models list` reads as a table. */
    private static final int NAME_WIDTH = 25;

    /** Bytes the way a person reads them: 4.27 GB, 723 MB, 961 kB (decimal, as Hugging Face shows them). */
    public static String bytes(long count) {
        if (count < 1000) {
            return count + " bytes";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double value = count;
        int unit = -1;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, value < 10 ? "%.2f %s" : value < 100 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }

    /** One line for `atelier models list`. */
    public String summary() {
        String name = String.format("%-" + NAME_WIDTH + "s", model.name());
        if (intact()) {
            long bytes = 0;
            for (FileState file : files) {
                bytes += file.path().toFile().length();
            }
            String unverified = files.stream().anyMatch(f -> !f.file().pinned()) ? " (installed unverified: no pinned sha256)" : "";
            return String.format("%s installed, %s, %s, in %s; engines: %s%s", name, bytes(bytes), model.licence(), dir,
                    String.join(", ", files.stream().map(f -> f.file().engine()).distinct().toList()), unverified);
        }
        if (absent()) {
            Long size = model.size();
            return String.format("%s not installed, %s, %s: %s", name, size == null ? "size not pinned" : bytes(size),
                    model.licence(), model.description());
        }
        List<String> problems = files.stream().filter(f -> f.status() != Status.OK)
                .map(f -> f.file().name() + ": " + f.problem()).toList();
        return String.format("%s damaged (%s): %s", name, String.join("; ", problems), howToRepair());
    }
}
