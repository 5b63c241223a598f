package atelier.daemon.server;

import atelier.bridge.client.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The shared secret between the daemon and its user's clients: 256 random bits in a file
 * only the owner can read, written on first start, checked in constant time on every call.
 */
public final class TokenFile {

    private final byte[] token;

    private TokenFile(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads the token, creating the file (and its directory) owner-only when it does not exist. */
    public static TokenFile loadOrCreate(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            PrivateFiles.directories(dir);
        }
        if (Files.exists(file)) {
            PrivateFiles.restrict(file, PrivateFiles.FILE);
            String existing = Files.readString(file).trim();
            if (existing.length() >= 32) {
                return new TokenFile(existing);
            }
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String fresh = HexFormat.of().formatHex(random);
        PrivateFiles.writeAtomically(file, (fresh + "\n").getBytes(StandardCharsets.UTF_8));
        return new TokenFile(fresh);
    }

    /** Constant-time, so response times do not leak how much of a guess was right. */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
    }

}
