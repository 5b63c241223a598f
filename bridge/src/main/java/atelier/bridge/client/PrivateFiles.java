package atelier.bridge.client;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files Atelier keeps for a user (token, result spool, models) are the user's alone: every
 * directory it creates is 0700 and every file 0600, set explicitly, whatever the umask, since a
 * spooled result is the artist's picture. Where the file system has no POSIX permissions
 * (Windows), the user's profile directory already keeps others out and nothing is changed.
 */
public final class PrivateFiles {

    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {
    }

    /** Creates {@code dir} and its missing parents, each new one 0700; an existing directory is left as it is. */
    public static Path directories(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
            } catch (FileAlreadyExistsException raced) {
                continue; // another process made it; whoever made it set its mode
            }
            restrict(p, DIRECTORY);
        }
        return dir;
    }

    /** Makes {@code dir} 0700 and every file directly in it 0600: a spool left by an older Atelier. */
    public static void tighten(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        restrict(dir, DIRECTORY);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
                restrict(file, FILE);
            }
        }
    }

    /**
     * Writes {@code bytes} to {@code target} whole or not at all: into a new file with an
     * unpredictable name beside it, created exclusively (never through a planted link), then
     * renamed over the target. The new file is 0600, or has the permissions of the file it
     * replaces. A failed write (a full disk) removes its temporary file at once.
     */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path partial = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName() + ".", ".partial");
        try {
            boolean posix = Files.getFileStore(partial).supportsFileAttributeView("posix");
            if (posix) {
                Files.setPosixFilePermissions(partial, Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)
                        ? Files.getPosixFilePermissions(absolute, LinkOption.NOFOLLOW_LINKS) : FILE);
            }
            Files.write(partial, bytes);
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
    }

    /** Sets a file's or directory's permissions where the file system has them. */
    public static void restrict(Path path, Set<PosixFilePermission> permissions) throws IOException {
        if (Files.getFileStore(path).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(path, permissions);
        }
    }
}
