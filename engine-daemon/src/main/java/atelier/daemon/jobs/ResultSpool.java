package atelier.daemon.jobs;

import atelier.bridge.thrift.EditResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TMemoryInputTransport;

/**
 * Finished results on disk, one file per job, so they outlive the connection that asked
 * and survive until fetched or expired. Files are written whole or not at all.
 */
final class ResultSpool {

    private static final String SUFFIX = ".result";

    private final Path dir;

    ResultSpool(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    void write(String jobId, EditResult result) throws IOException {
        byte[] bytes;
        try {
            bytes = new TSerializer(new TCompactProtocol.Factory()).serialize(result);
        } catch (TException e) {
            throw new IOException("cannot serialise the result of job " + jobId, e);
        }
        Path partial = dir.resolve(jobId + SUFFIX + ".partial");
        Files.write(partial, bytes);
        Files.move(partial, file(jobId), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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

    void delete(String jobId) {
        try {
            Files.deleteIfExists(file(jobId));
        } catch (IOException e) {
            // A file we cannot delete now is retried at the next expiry sweep.
        }
    }

    private Path file(String jobId) {
        return dir.resolve(jobId + SUFFIX);
    }
}
