package atelier.daemon.server;

import atelier.bridge.client.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The shared secret between the daemon and its user's clients: 256 random bits in a file
 * only the owner can read, written on first start, checked in constant time on every call.
 */
public final class TokenFile {

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

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
            restrict(file, OWNER_FILE);
            String existing = Files.readString(file).trim();
            if (existing.length() >= 32) {
                return new TokenFile(existing);
            }
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String fresh = HexFormat.of().formatHex(random);
        Path partial = dir.resolve(file.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        if (POSIX) {
            Files.createFile(partial, PosixFilePermissions.asFileAttribute(OWNER_FILE));
        }
        Files.writeString(partial, fresh + "\n");
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new TokenFile(fresh);
    }

    /** Constant-time, so response times do not leak how much of a guess was right. */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
    }

    private static void restrict(Path path, Set<PosixFilePermission> permissions) throws IOException {
        // On Windows the file inherits the user profile's ACL, which is already per-user.
        if (POSIX) {
            Files.setPosixFilePermissions(path, permissions);
        }
    }
}
