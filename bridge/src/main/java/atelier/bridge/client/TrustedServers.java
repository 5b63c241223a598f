package atelier.bridge.client;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The daemons on other machines this user has decided to trust (`atelier connect`): for each
 * HOST:PORT the certificate fingerprint seen and accepted on first use, and the token pasted
 * from that machine. One owner-only JSON file in the config directory, read by the command and
 * by the plug-ins (editor-plugin/common/atelier_client.py reads the same file):
 * <pre>{"servers": {"gpu-box:47315": {"fingerprint": "SHA256:3F:...", "token": "..."}}}</pre>
 */
public final class TrustedServers {

    /** One trusted daemon. */
    public record Server(String fingerprint, String token) {
    }

    private static final class Stored {
        TreeMap<String, Server> servers = new TreeMap<>();
    }

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private final Path file;

    public TrustedServers(Path file) {
        this.file = file;
    }

    public static TrustedServers of(AtelierHome home) {
        return new TrustedServers(home.configDir().resolve("servers.json"));
    }

    public Path file() {
        return file;
    }

    /** "Host:port" as the file keys it: the host in lower case, IPv6 in brackets. */
    public static String key(String host, int port) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        return (h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h) + ":" + port;
    }

    public Optional<Server> find(String host, int port) throws IOException {
        return Optional.ofNullable(read().servers.get(key(host, port)));
    }

    /** Trusts (or re-trusts) a daemon; the file stays the user's alone. */
    public void remember(String host, int port, Server server) throws IOException {
        Stored stored = read();
        stored.servers.put(key(host, port), server);
        write(stored);
    }

    public boolean forget(String host, int port) throws IOException {
        Stored stored = read();
        boolean had = stored.servers.remove(key(host, port)) != null;
        if (had) {
            write(stored);
        }
        return had;
    }

    private Stored read() throws IOException {
        if (!Files.exists(file)) {
            return new Stored();
        }
        try {
            Stored stored = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), Stored.class);
            if (stored == null || stored.servers == null) {
                return new Stored();
            }
            return stored;
        } catch (JsonParseException e) {
            throw new IOException(file + " is damaged (" + e.getMessage() + "): remove it and run `atelier connect` again", e);
        }
    }

    private void write(Stored stored) throws IOException {
        PrivateFiles.directories(file.toAbsolutePath().getParent());
        PrivateFiles.writeAtomically(file, (GSON.toJson(stored) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
