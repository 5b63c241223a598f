package atelier.bridge.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where Atelier keeps its per-user files: the config directory (token), the state
 * directory (result spool) and the models. One place decides, so the daemon, the
 * command and the plugins agree.
 */
public record AtelierHome(Path configDir, Path stateDir, Path modelDir) {

    /** The port the daemon listens on when none is configured. */
    public static final int DEFAULT_PORT = 47315;

    public Path tokenFile() {
        return configDir.resolve("token");
    }

    public Path spoolDir() {
        return stateDir.resolve("spool");
    }

    /** A home rooted in one directory: for tests and portable installs. */
    public static AtelierHome under(Path root) {
        return new AtelierHome(root.resolve("config"), root.resolve("state"), root.resolve("models"));
    }

    /** The current user's home, honouring ATELIER_HOME and the platform's conventions. */
    public static AtelierHome forCurrentUser() {
        return forEnvironment(System.getenv(), System.getProperty("os.name", ""), Path.of(System.getProperty("user.home")));
    }

    static AtelierHome forEnvironment(Map<String, String> env, String osName, Path userHome) {
        String explicit = env.get("ATELIER_HOME");
        if (explicit != null && !explicit.isBlank()) {
            return under(Path.of(explicit));
        }
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            Path appData = pathOr(env.get("APPDATA"), userHome.resolve("AppData").resolve("Roaming"));
            Path local = pathOr(env.get("LOCALAPPDATA"), userHome.resolve("AppData").resolve("Local"));
            return new AtelierHome(appData.resolve("Atelier"), local.resolve("Atelier"), local.resolve("Atelier").resolve("models"));
        }
        if (os.startsWith("mac")) {
            Path support = userHome.resolve("Library").resolve("Application Support").resolve("Atelier");
            return new AtelierHome(support, support, support.resolve("models"));
        }
        Path config = pathOr(env.get("XDG_CONFIG_HOME"), userHome.resolve(".config")).resolve("atelier");
        Path state = pathOr(env.get("XDG_STATE_HOME"), userHome.resolve(".local").resolve("state")).resolve("atelier");
        Path data = pathOr(env.get("XDG_DATA_HOME"), userHome.resolve(".local").resolve("share")).resolve("atelier");
        return new AtelierHome(config, state, data.resolve("models"));
    }

    private static Path pathOr(String value, Path fallback) {
        return value == null || value.isBlank() ? fallback : Path.of(value);
    }

    /** The token the daemon wrote, or null when no daemon has run for this user yet. */
    public String readToken() throws java.io.IOException {
        Path file = tokenFile();
        return Files.exists(file) ? Files.readString(file).trim() : null;
    }
}
