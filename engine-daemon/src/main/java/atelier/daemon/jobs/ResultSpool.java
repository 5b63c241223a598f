package atelier.daemon.jobs;

import atelier.bridge.client.PrivateFiles;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.JobState;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TMemoryInputTransport;

/**
 * Jobs on disk: a small state file per job and the result of each finished one, so results
 * outlive the connection that asked and the daemon itself (a restart, even after kill -9,
 * finds them), and a job that was cut short is reported, never silently gone. Files are
 * written whole or not at all.
 */
final class ResultSpool {

    private static final String SUFFIX = ".result";
    private static final String STATE = ".job";

    /** What a state file says about one job. */
    record Entry(String jobId, JobState state, String error, long finishedAtMillis) {
    }

    private final Path dir;

    /**
     * Opens the spool, creating it owner-only (0700, files 0600) or tightening one an older
     * Atelier left readable, and removes the temporary files a write cut short left behind.
     */
    ResultSpool(Path dir) throws IOException {
        this.dir = dir;
        PrivateFiles.directories(dir);
        PrivateFiles.tighten(dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path stale : files.filter(f -> f.getFileName().toString().endsWith(".partial")).toList()) {
                deleteQuietly(stale);
            }
        }
    }

    void write(String jobId, EditResult result) throws IOException {
        byte[] bytes;
        try {
            bytes = new TSerializer(new TCompactProtocol.Factory()).serialize(result);
        } catch (TException e) {
            throw new IOException("cannot serialise the result of job " + jobId, e);
        }
        writeWhole(file(jobId), bytes, "the result");
    }

    /** Writes a spool file whole; on a full disk the error says how much room it needed. */
    private void writeWhole(Path file, byte[] bytes, String what) throws IOException {
        try {
            PrivateFiles.writeAtomically(file, bytes);
        } catch (IOException e) {
            long free = freeBytes();
            if (free >= 0 && free < bytes.length + (1 << 16) || String.valueOf(e.getMessage()).contains("No space left")) {
                throw new IOException("no space left for " + what + ": " + megabytes(bytes.length) + " needed, "
                        + megabytes(Math.max(free, 0)) + " free in " + dir, e);
            }
            throw e;
        }
    }

    /** The free space where the spool is, or -1 when it cannot be told. */
    long freeBytes() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    EditResult read(String jobId) throws IOException {
        byte[] bytes = Files.readAllBytes(file(jobId));
        try {
            // Our own file, written by write(): Thrift's default 100 MB message cap does not apply.
            TConfiguration limits = TConfiguration.custom().setMaxMessageSize(Integer.MAX_VALUE).build();
            EditResult result = new EditResult();
            result.read(new TCompactProtocol(new TMemoryInputTransport(limits, bytes)));
            return result;
        } catch (TException e) {
            throw new IOException("the spooled result of job " + jobId + " is damaged", e);
        }
    }

    boolean hasResult(String jobId) {
        return Files.exists(file(jobId));
    }

    void deleteResult(String jobId) {
        deleteQuietly(file(jobId));
    }

    /** Forgets the job entirely: its state and its result. */
    void deleteAll(String jobId) {
        deleteQuietly(file(jobId));
        deleteQuietly(dir.resolve(jobId + STATE));
    }

    synchronized void writeState(String jobId, JobState state, String error, long finishedAtMillis) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("state", state.name());
        properties.setProperty("finishedAt", Long.toString(finishedAtMillis));
        if (error != null) {
            properties.setProperty("error", error);
        }
        java.io.StringWriter text = new java.io.StringWriter();
        properties.store(text, null);
        writeWhole(dir.resolve(jobId + STATE), text.toString().getBytes(StandardCharsets.UTF_8), "the job's state");
    }

    /** Every job a previous run of the daemon left here; unreadable state files are skipped and removed. */
    List<Entry> entries() throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(STATE)).toList()) {
                String name = file.getFileName().toString();
                String jobId = name.substring(0, name.length() - STATE.length());
                Properties properties = new Properties();
                try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    properties.load(in);
                    entries.add(new Entry(jobId, JobState.valueOf(properties.getProperty("state")),
                            properties.getProperty("error"), Long.parseLong(properties.getProperty("finishedAt", "0"))));
                } catch (IOException | RuntimeException damaged) {
                    deleteAll(jobId);
                }
            }
        }
        return entries;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A file we cannot delete now is retried at the next expiry sweep.
        }
    }

    private Path file(String jobId) {
        return dir.resolve(jobId + SUFFIX);
    }
}
