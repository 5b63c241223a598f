package atelier.bridge.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One file fetched over HTTP(S) into a partial file that survives a dropped connection or a
 * Ctrl-C: the next run asks only for the bytes still missing (a Range request), and starts
 * again from zero when the server answers with the whole file instead. It checks the size
 * it is told to expect as bytes arrive, so a wrong file stops early; the sha256 is the
 * installer's to check once the file is whole.
 */
public final class ResumableDownload {

    /** Told how far a file has come, at most a few times a second and once at the end. */
    @FunctionalInterface
    public interface Progress {
        /** @param total the file's size, or -1 when neither the manifest nor the server says */
        void update(long bytes, long total);
    }

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final long REPORT_EVERY_NANOS = 200_000_000L;

    private final HttpClient client;

    public ResumableDownload(HttpClient client) {
        this.client = client;
    }

    /** A client that follows redirects (Hugging Face sends downloads on to its CDN). */
    public static ResumableDownload overHttp() {
        return new ResumableDownload(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build());
    }

    /**
     * Brings {@code part} up to the whole file at {@code url}, continuing what an earlier run left.
     *
     * @param expectedSize the size the manifest pins, or null
     * @throws ModelInstaller.DamagedDownload when the server's file has another size than expected
     * @throws IOException when the connection fails: what arrived stays in {@code part}
     */
    public void fetch(URI url, Path part, Long expectedSize, Progress progress) throws IOException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        if (expectedSize != null && have > expectedSize) {
            Files.delete(part); // longer than the file can be: not a prefix of it
            have = 0;
        }
        if (expectedSize != null && have == expectedSize) {
            progress.update(have, expectedSize);
            return;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(url).GET();
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("stopped before " + url + " answered");
        }
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            boolean append;
            long total;
            if (status == 206 && have > 0) {
                Matcher range = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
                if (!range.matches() || Long.parseLong(range.group(1)) != have) {
                    throw new IOException(url + " answered a range request with another range ("
                            + response.headers().firstValue("Content-Range").orElse("none") + "); run the install again");
                }
                append = true;
                total = range.group(3).equals("*") ? -1 : Long.parseLong(range.group(3));
            } else if (status == 200) {
                append = false; // the server ignores Range: the whole file comes again
                OptionalLong length = response.headers().firstValueAsLong("Content-Length");
                total = length.isPresent() ? length.getAsLong() : -1;
            } else if (status == 416 && have > 0) {
                // The part cannot be continued (the file changed, or the part is whole but unpinned): start over.
                Files.delete(part);
                fetch(url, part, expectedSize, progress);
                return;
            } else {
                throw new IOException(url + " answered HTTP " + status + " instead of the file");
            }
            if (expectedSize != null && total >= 0 && total != expectedSize) {
                throw new ModelInstaller.DamagedDownload(String.format("%s offers %s as %d bytes, but the manifest expects %d bytes:"
                        + " not the pinned file; nothing was installed", url, part.getFileName().toString().replaceFirst("\\.part$", ""),
                        total, expectedSize));
            }
            long known = expectedSize != null ? expectedSize : total;
            copy(body, part, append ? have : 0, append, known, url, progress);
        }
    }

    private static void copy(InputStream body, Path part, long start, boolean append, long total, URI url, Progress progress)
            throws IOException {
        // Unbuffered on purpose: every byte read is in the file at once, so a killed JVM leaves a clean prefix.
        try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buffer = new byte[1 << 20];
            long written = start;
            long lastReport = 0;
            progress.update(written, total);
            for (int read; (read = body.read(buffer)) >= 0; ) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedIOException("stopped; " + written + " bytes of " + url + " are kept for the next run");
                }
                if (total >= 0 && written + read > total) {
                    throw new ModelInstaller.DamagedDownload(String.format("%s sends more than the %d bytes expected:"
                            + " not the pinned file; nothing was installed", url, total));
                }
                out.write(buffer, 0, read);
                written += read;
                long now = System.nanoTime();
                if (now - lastReport >= REPORT_EVERY_NANOS) {
                    progress.update(written, total);
                    lastReport = now;
                }
            }
            progress.update(written, total);
        }
    }
}
