package atelier.bridge.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.models.ModelManifest.ModelFile;
import atelier.bridge.models.ModelManifest.ModelPackage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP route of the installer against a real server on 127.0.0.1 serving generated
 * files: what an artist sees when the network is good, when it drops, and when the server
 * hands out the wrong bytes.
 */
class HttpInstallTest {

    /** A checkpoint-like file and a small tokenizer-like one: a package of two files. */
    private static final byte[] CHECKPOINT = randomBytes(3_000_000, 1);
    private static final byte[] VOCAB = "{\"a</w>\": 0, \"b</w>\": 1}".getBytes(StandardCharsets.UTF_8);

    /**
     * A plain HTTP/1.1 server on a loopback socket, one response a connection: unlike the JDK's
     * HttpServer it can cut a connection in the middle of a body, as a flaky network does.
     */
    private ServerSocket server;
    /** What the server serves at each path; a test may swap the bytes to play a bad mirror. */
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    /** The Range header of every request, "" when none. */
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    /** Bytes of body handed to the socket. */
    private final AtomicLong bytesSent = new AtomicLong();
    /** When positive, the next response is cut after this many body bytes. */
    private volatile long dropAfter;
    private volatile boolean honourRange = true;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @BeforeEach
    void startServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        served.put("/tiny-sd.safetensors", CHECKPOINT);
        served.put("/vocab.json", VOCAB);
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket connection = server.accept()) {
                    serve(connection);
                } catch (IOException closedOrDropped) {
                    // the next connection, or the end of the test
                }
            }
        }, "loopback-http");
        accept.setDaemon(true);
        accept.start();
    }

    @AfterEach
    void stopServer() throws IOException {
        server.close();
    }

    private void serve(Socket connection) throws IOException {
        BufferedReader request = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.ISO_8859_1));
        String path = request.readLine().split(" ")[1];
        String range = "";
        for (String header; (header = request.readLine()) != null && !header.isEmpty(); ) {
            if (header.toLowerCase(Locale.ROOT).startsWith("range:")) {
                range = header.substring(6).trim();
            }
        }
        ranges.add(range);
        OutputStream response = connection.getOutputStream();
        byte[] body = served.get(path);
        if (body == null) {
            response.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            return;
        }
        int from = 0;
        String head;
        if (!range.isEmpty() && honourRange) {
            from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
            head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + from + "-" + (body.length - 1) + "/" + body.length + "\r\n";
        } else {
            head = "HTTP/1.1 200 OK\r\n";
        }
        head += "Content-Length: " + (body.length - from) + "\r\nConnection: close\r\n\r\n";
        response.write(head.getBytes(StandardCharsets.ISO_8859_1));
        long limit = dropAfter > 0 ? dropAfter : Long.MAX_VALUE;
        dropAfter = 0;
        int length = (int) Math.min(body.length - from, limit);
        // Counted before writing: the client may have read the last bytes and finished its install before
        // this server thread returned from flush, and the test reads the count as soon as the install returns.
        bytesSent.addAndGet(length);
        response.write(body, from, length);
        response.flush(); // then the socket closes, whether or not the body is whole
    }

    private ModelManifest manifest(Long checkpointSize, String checkpointSha, Long vocabSize, String vocabSha) {
        String base = "http://127.0.0.1:" + server.getLocalPort();
        return new ModelManifest(List.of(new ModelPackage("tiny-sd", "sd15", "a tiny checkpoint with its tokenizer", null,
                "CreativeML OpenRAIL-M", null, "https://example.invalid/licence", "Test weights.",
                List.of(new ModelFile("tiny-sd.safetensors", null, base + "/tiny-sd.safetensors", "tiny-sd", "fp16",
                                checkpointSize, checkpointSha),
                        new ModelFile("vocab.json", null, base + "/vocab.json", "tiny-sd", "text", vocabSize, vocabSha)))));
    }

    private ModelManifest pinned() {
        return manifest((long) CHECKPOINT.length, sha256(CHECKPOINT), (long) VOCAB.length, sha256(VOCAB));
    }

    private ModelInstaller installer(ModelManifest manifest, Path models, ModelInstaller.Progress progress, boolean trust) {
        return new ModelInstaller(manifest, models, null, out, ResumableDownload.overHttp(), progress, trust);
    }

    @Test
    void installFetchesEveryFileChecksItAndReportsProgressUpToTheSize(@TempDir Path models) throws IOException {
        List<long[]> checkpointProgress = new ArrayList<>();
        ModelInstaller installer = installer(pinned(), models, (file, bytes, total) -> {
            if (file.equals("tiny-sd/tiny-sd.safetensors")) {
                checkpointProgress.add(new long[] {bytes, total});
            }
        }, false);

        assertEquals(ModelInstaller.Outcome.INSTALLED, installer.install("tiny-sd"));

        assertArrayEquals(CHECKPOINT, Files.readAllBytes(models.resolve("tiny-sd/tiny-sd.safetensors")));
        assertArrayEquals(VOCAB, Files.readAllBytes(models.resolve("tiny-sd/vocab.json")));
        assertTrue(Files.readString(models.resolve("tiny-sd/LICENSE.md")).contains("CreativeML OpenRAIL-M"));
        assertEquals(List.of("tiny-sd"), names(models), "no staging directory or .part file is left");
        for (int i = 1; i < checkpointProgress.size(); i++) {
            assertTrue(checkpointProgress.get(i)[0] >= checkpointProgress.get(i - 1)[0], "progress never goes back");
        }
        assertArrayEquals(new long[] {CHECKPOINT.length, CHECKPOINT.length}, checkpointProgress.get(checkpointProgress.size() - 1));
        assertTrue(installer.list().get(0).intact());
        assertTrue(installer.list().get(0).summary().contains("installed"), installer.list().get(0).summary());

        assertEquals(ModelInstaller.Outcome.ALREADY_INSTALLED, installer.install("tiny-sd"));
    }

    @Test
    void aDroppedConnectionIsResumedFromWhereItStoppedByTheNextInstall(@TempDir Path models) throws IOException {
        ModelInstaller installer = installer(pinned(), models, ModelInstaller.Progress.NONE, false);
        dropAfter = 1_000_000;

        IOException broken = assertThrows(IOException.class, () -> installer.install("tiny-sd"));
        assertTrue(broken.getMessage().contains("again to continue"), broken.getMessage());
        Path part = installer.stagingDir("tiny-sd").resolve("tiny-sd.safetensors.part");
        long kept = Files.size(part);
        assertTrue(kept > 0 && kept < CHECKPOINT.length, "the bytes that arrived are kept: " + kept);
        assertFalse(Files.exists(models.resolve("tiny-sd")), "nothing is installed yet");

        long sentBefore = bytesSent.get();
        assertEquals(ModelInstaller.Outcome.INSTALLED, installer.install("tiny-sd"));

        assertEquals("bytes=" + kept + "-", ranges.get(1), "the second run asks for the rest only");
        assertEquals(CHECKPOINT.length - kept + VOCAB.length, bytesSent.get() - sentBefore, "only the missing bytes travel again");
        assertArrayEquals(CHECKPOINT, Files.readAllBytes(models.resolve("tiny-sd/tiny-sd.safetensors")));
        assertEquals(List.of("tiny-sd"), names(models));
    }

    @Test
    void aServerThatIgnoresRangeSendsTheWholeFileAgainAndItIsStillChecked(@TempDir Path models) throws IOException {
        ModelInstaller installer = installer(pinned(), models, ModelInstaller.Progress.NONE, false);
        dropAfter = 1_000_000;
        assertThrows(IOException.class, () -> installer.install("tiny-sd"));
        honourRange = false;

        assertEquals(ModelInstaller.Outcome.INSTALLED, installer.install("tiny-sd"));

        assertTrue(ranges.get(1).startsWith("bytes="), "the installer asked for the rest");
        assertArrayEquals(CHECKPOINT, Files.readAllBytes(models.resolve("tiny-sd/tiny-sd.safetensors")),
                "the whole file replaced the partial one instead of being appended to it");
    }

    @Test
    void aCorruptedFileIsRejectedNamingBothHashesAndLeavesNothingBehind(@TempDir Path models) {
        byte[] corrupted = CHECKPOINT.clone();
        corrupted[123_456] ^= 0x40;
        served.put("/tiny-sd.safetensors", corrupted);
        ModelInstaller installer = installer(pinned(), models, ModelInstaller.Progress.NONE, false);

        IOException e = assertThrows(ModelInstaller.DamagedDownload.class, () -> installer.install("tiny-sd"));

        assertTrue(e.getMessage().contains("tiny-sd.safetensors") && e.getMessage().contains(sha256(corrupted))
                && e.getMessage().contains(sha256(CHECKPOINT)) && e.getMessage().contains("nothing was installed"), e.getMessage());
        assertEquals(List.of(), names(models), "no file, no .part, no staging directory");
    }

    @Test
    void aFileOfTheWrongSizeIsRejectedBeforeItIsDownloaded(@TempDir Path models) {
        served.put("/tiny-sd.safetensors", randomBytes(CHECKPOINT.length + 10, 2));
        ModelInstaller installer = installer(pinned(), models, ModelInstaller.Progress.NONE, false);

        IOException e = assertThrows(ModelInstaller.DamagedDownload.class, () -> installer.install("tiny-sd"));

        assertTrue(e.getMessage().contains(CHECKPOINT.length + 10 + " bytes") && e.getMessage().contains(CHECKPOINT.length + " bytes"),
                e.getMessage());
        assertEquals(List.of(), names(models), "nothing is left");
    }

    @Test
    void aFileWithoutAPinnedHashIsRefusedUnlessTrustedAndThenItsHashIsPrinted(@TempDir Path models) throws IOException {
        ModelManifest unpinnedVocab = manifest((long) CHECKPOINT.length, sha256(CHECKPOINT), null, null);

        IOException refused = assertThrows(ModelInstaller.UnverifiedModel.class,
                () -> installer(unpinnedVocab, models, ModelInstaller.Progress.NONE, false).install("tiny-sd"));
        assertTrue(refused.getMessage().contains("vocab.json") && refused.getMessage().contains("--trust-unverified"),
                refused.getMessage());
        assertTrue(ranges.isEmpty(), "nothing was downloaded");

        installer(unpinnedVocab, models, ModelInstaller.Progress.NONE, true).install("tiny-sd");
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("vocab.json: sha256 " + sha256(VOCAB)), printed.toString());
        assertTrue(ModelState.inspectSizes(models, unpinnedVocab.packages().get(0)).summary().contains("unverified"));
    }

    @Test
    void removeDeletesTheInstalledPackageAndAnyPartialDownload(@TempDir Path models) throws IOException {
        ModelInstaller installer = installer(pinned(), models, ModelInstaller.Progress.NONE, false);
        installer.install("tiny-sd");
        assertTrue(installer.remove("tiny-sd"));
        assertTrue(installer.list().get(0).absent());

        dropAfter = 1000;
        assertThrows(IOException.class, () -> installer.install("tiny-sd"));
        assertTrue(installer.remove("tiny-sd"), "a partial download counts as something to remove");
        assertEquals(List.of(), names(models));
        assertFalse(installer.remove("tiny-sd"));
    }

    @Test
    void anUnknownNameIsRefusedWithTheNamesTheInstallerKnows(@TempDir Path models) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> installer(pinned(), models, ModelInstaller.Progress.NONE, false).install("sdxl"));
        assertTrue(e.getMessage().contains("'sdxl'") && e.getMessage().contains("tiny-sd"), e.getMessage());
    }

    @Test
    void theBundledManifestPinsTheSha256OfEveryFile() {
        for (ModelPackage model : ModelManifest.bundled().packages()) {
            for (ModelFile file : model.files()) {
                assertTrue(model.source() != null || file.url().startsWith("https://"), file.name() + " comes over HTTPS");
                assertTrue(file.pinned() && file.sha256().matches("[0-9a-f]{64}"), file.name() + " has no pinned sha256");
            }
            assertTrue(model.licence() != null && model.notice() != null, model.name());
        }
        assertEquals(1356917L, ModelManifest.bundled().find("clip-tokenizer").orElseThrow().size());
    }

    private static List<String> names(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
