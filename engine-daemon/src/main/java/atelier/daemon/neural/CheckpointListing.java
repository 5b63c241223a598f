package atelier.daemon.neural;

import atelier.bridge.thrift.ModelInfo;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointInspector;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointKind;
import atelier.daemon.neural.diffusion.checkpoint.Identification;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The .safetensors files in the model directory, each named after its file and told apart by
 * its header alone ("sd15", "lora", "unknown: why"): those an artist dropped straight in, and
 * those `atelier models install` put one level down, in a package's directory (sd15/,
 * controlnet-lineart/, ...). Hidden directories are the installer's unfinished work and are
 * skipped. No weights are read, so listing a folder of 4 GB checkpoints takes milliseconds;
 * the installer checked the sha256 of what it installed, so nothing is hashed here.
 */
final class CheckpointListing {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointListing.class);
    static final String EXTENSION = ".safetensors";

    private CheckpointListing() {
    }

    /** A .safetensors file found, what its header says it is, and how capabilities() lists it. */
    record Found(Path file, CheckpointKind kind, ModelInfo info) {
        String name() {
            return info.getName();
        }
    }

    /** One entry a file, by name; an empty list when the directory does not exist. */
    static List<Found> scan(Path modelDir) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(modelDir)) {
            for (Path entry : entries) {
                // Hidden entries are partial downloads; embeddings are listed on their own (InstalledModels).
                if (entry.getFileName().toString().startsWith(".") || entry.getFileName().toString().equals(InstalledModels.EMBEDDINGS)) {
                    continue;
                }
                if (Files.isDirectory(entry)) {
                    try (DirectoryStream<Path> installed = Files.newDirectoryStream(entry, "*" + EXTENSION)) {
                        installed.forEach(files::add);
                    }
                } else if (entry.getFileName().toString().endsWith(EXTENSION)) {
                    files.add(entry);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            LOG.warn("cannot list the model directory {}", modelDir, e);
            return List.of();
        }
        files.sort(Comparator.comparing(Path::toString));
        List<Found> found = new ArrayList<>();
        for (Path file : files) {
            if (Files.isRegularFile(file)) {
                found.add(describe(file));
            }
        }
        return found;
    }

    private static Found describe(Path file) {
        String fileName = file.getFileName().toString();
        String name = fileName.substring(0, fileName.length() - EXTENSION.length());
        String label;
        CheckpointKind kind;
        try {
            Identification identification = CheckpointInspector.identify(file);
            label = identification.label();
            kind = identification.kind();
        } catch (IOException e) {
            // A damaged file is listed, saying why, rather than hidden: the artist put it there on purpose.
            label = "unknown: " + e.getMessage();
            kind = CheckpointKind.UNKNOWN;
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            size = 0;
        }
        return new Found(file, kind, new ModelInfo(name, label, size));
    }
}
