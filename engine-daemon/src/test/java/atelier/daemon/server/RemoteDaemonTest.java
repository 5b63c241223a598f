package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.cli.AtelierCommand;
import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.AtelierHome;
import atelier.bridge.client.ContextCrop;
import atelier.bridge.client.JobListener;
import atelier.bridge.client.TrustedServers;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Layer;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Picture;
import atelier.bridge.thrift.PixelFormat;
import atelier.bridge.thrift.Rect;
import atelier.bridge.thrift.RegionQuery;
import atelier.bridge.thrift.Unauthorized;
import atelier.daemon.AtelierDaemon;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.SplittableRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.thrift.transport.TTransportException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon serving TLS, reached as a daemon on another machine is (here on loopback): the
 * handshake, certificate pinning, the token, `atelier connect`, and a large picture cropped to
 * the region the operation reads before it is sent.
 */
class RemoteDaemonTest {

    @TempDir
    Path dir;

    private AtelierDaemon tlsDaemon(AtelierHome home) throws IOException {
        return AtelierDaemon.start(new AtelierDaemon.Settings(0, home, Limits.DEFAULT, 2, Duration.ofHours(1)).withTls(true));
    }

    @Test
    void tlsDaemonShowsAStableOwnerOnlyCertificateAndStillChecksTheToken() throws Exception {
        AtelierHome server = AtelierHome.under(dir.resolve("server"));
        String first;
        try (AtelierDaemon daemon = tlsDaemon(server)) {
            first = daemon.fingerprint();
            assertTrue(first.matches("SHA256(:[0-9A-F]{2}){32}"), first);
            try (AtelierClient client = AtelierClient.connectTls("127.0.0.1", daemon.port(), server.readToken(), 10_000, null)) {
                assertEquals(first, client.serverFingerprint());
                assertEquals(5, client.capabilities().getOperationsSize());
            }
            try (AtelierClient wrongToken = AtelierClient.connectTls("127.0.0.1", daemon.port(), "0".repeat(64), 10_000, first)) {
                assertThrows(Unauthorized.class, wrongToken::capabilities);
            }
        }
        Path identity = AtelierDaemon.identityFile(server);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(identity)));
        try (AtelierDaemon again = tlsDaemon(server)) {
            assertEquals(first, again.fingerprint(), "a restart keeps the certificate clients trust");
        }
    }

    @Test
    void aCertificateOtherThanThePinnedOneIsRefusedBeforeAnythingIsSent() throws Exception {
        AtelierHome server = AtelierHome.under(dir.resolve("server"));
        AtelierHome other = AtelierHome.under(dir.resolve("other"));
        try (AtelierDaemon daemon = tlsDaemon(server); AtelierDaemon impostor = tlsDaemon(other)) {
            assertNotEquals(daemon.fingerprint(), impostor.fingerprint());
            TTransportException refused = assertThrows(TTransportException.class, () ->
                    AtelierClient.connectTls("127.0.0.1", impostor.port(), server.readToken(), 10_000, daemon.fingerprint()));
            assertTrue(refused.getMessage().contains("not the one trusted"), refused.getMessage());
        }
    }

    @Test
    void onlyTls13IsOfferedAndAPlainClientGetsNoAnswer() throws Exception {
        AtelierHome server = AtelierHome.under(dir.resolve("server"));
        try (AtelierDaemon daemon = tlsDaemon(server)) {
            SSLContext context = SSLContext.getInstance("TLSv1.2");
            context.init(null, new javax.net.ssl.TrustManager[] {new TrustingAnything()}, null);
            try (SSLSocket old = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", daemon.port())) {
                old.setEnabledProtocols(new String[] {"TLSv1.2"});
                old.setSoTimeout(10_000);
                assertThrows(IOException.class, old::startHandshake);
            }
            try (AtelierClient plain = AtelierClient.connect("127.0.0.1", daemon.port(), server.readToken(), 10_000)) {
                assertThrows(TTransportException.class, plain::capabilities);
            }
        }
    }

    @Test
    void anAddressBeyondThisMachineNeedsTls() {
        AtelierHome server = AtelierHome.under(dir.resolve("server"));
        IOException refused = assertThrows(IOException.class, () -> AtelierDaemon.start(
                new AtelierDaemon.Settings(0, server, Limits.DEFAULT, 1, Duration.ofHours(1)).listeningOn("0.0.0.0")));
        assertTrue(refused.getMessage().contains("add --tls"), refused.getMessage());
    }

    @Test
    void connectTrustsOnFirstUseAndLaterCommandsUseThePinnedCertificateAndToken() throws Exception {
        AtelierHome server = AtelierHome.under(dir.resolve("server"));
        AtelierHome laptop = AtelierHome.under(dir.resolve("laptop"));
        try (AtelierDaemon daemon = tlsDaemon(server); AtelierDaemon impostor = tlsDaemon(AtelierHome.under(dir.resolve("b")))) {
            String target = "127.0.0.1:" + daemon.port();
            Path token = server.tokenFile();
            Cli wrongPrint = Cli.run(laptop, "connect", target, "--token-file", token.toString(),
                    "--fingerprint", impostor.fingerprint());
            assertEquals(1, wrongPrint.status, wrongPrint.err);
            assertTrue(wrongPrint.err.contains("does not match"), wrongPrint.err);
            Cli noPrompt = Cli.run(laptop, "connect", target, "--token-file", token.toString());
            assertEquals(2, noPrompt.status, "no console and no --fingerprint: nothing to confirm with");
            Path badToken = Files.writeString(dir.resolve("bad-token"), "f".repeat(64));
            Cli refusedToken = Cli.run(laptop, "connect", target, "--token-file", badToken.toString(),
                    "--fingerprint", daemon.fingerprint().toLowerCase());
            assertEquals(1, refusedToken.status, refusedToken.err);
            assertTrue(TrustedServers.of(laptop).find("127.0.0.1", daemon.port()).isEmpty(), "a refused token is not kept");

            Cli connected = Cli.run(laptop, "connect", target, "--token-file", token.toString(),
                    "--fingerprint", daemon.fingerprint());
            assertEquals(0, connected.status, connected.err);
            assertTrue(connected.out.contains("trusted " + target), connected.out);
            Path file = TrustedServers.of(laptop).file();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

            Cli status = Cli.run(laptop, "status", "--host", "127.0.0.1", "--port", String.valueOf(daemon.port()));
            assertEquals(0, status.status, status.err);
            assertTrue(status.out.contains("at " + target + " (TLS)"), status.out);

            // The impostor answers on the trusted address: its certificate is not the pinned one.
            TrustedServers.of(laptop).remember("127.0.0.1", impostor.port(),
                    TrustedServers.of(laptop).find("127.0.0.1", daemon.port()).orElseThrow());
            Cli fooled = Cli.run(laptop, "status", "--host", "127.0.0.1", "--port", String.valueOf(impostor.port()));
            assertEquals(1, fooled.status);
            assertTrue(fooled.err.contains("not the one trusted"), fooled.err);
            Cli reconnect = Cli.run(laptop, "connect", "127.0.0.1:" + impostor.port(), "--token-file", token.toString(),
                    "--fingerprint", impostor.fingerprint());
            assertEquals(1, reconnect.status, "a changed certificate needs --replace");
            assertTrue(reconnect.err.contains("--replace"), reconnect.err);

            Cli stranger = Cli.run(laptop, "status", "--host", "192.0.2.7");
            assertEquals(1, stranger.status);
            assertTrue(stranger.err.contains("not a trusted daemon yet: run `atelier connect 192.0.2.7:"), stranger.err);
            Cli forget = Cli.run(laptop, "connect", target, "--forget");
            assertEquals(0, forget.status, forget.err);
            assertTrue(TrustedServers.of(laptop).find("127.0.0.1", daemon.port()).isEmpty());
        }
    }

    @Test
    void serveRefusesAnotherAddressWithoutTls() {
        Cli refused = Cli.run(AtelierHome.under(dir.resolve("server")), "serve", "--listen", "0.0.0.0", "--port", "0");
        assertEquals(2, refused.status, refused.err);
        assertTrue(refused.err.contains("add --tls"), refused.err);
    }

    @Test
    void aLargePictureIsCroppedToTheRegionTheFillReadsAndComesBackInPlace() throws Exception {
        AtelierHome server = AtelierHome.under(dir.resolve("server"));
        int width = 4000;
        int height = 3000;
        byte[] rgba = new byte[width * height * 4];
        SplittableRandom random = new SplittableRandom(7);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 4;
                rgba[i] = (byte) (x / 16 + random.nextInt(12));
                rgba[i + 1] = (byte) (y / 12 + random.nextInt(12));
                rgba[i + 2] = (byte) ((x + y) / 28);
                rgba[i + 3] = (byte) 255;
            }
        }
        byte[] mask = new byte[width * height];
        for (int y = 1400; y < 1460; y++) {
            for (int x = 2500; x < 2580; x++) {
                mask[y * width + x] = (byte) 255;
            }
        }
        EditRequest request = new EditRequest().setOperation(Operation.CONTENT_FILL).setSeed(11).setEngine("patchmatch")
                .setImage(new Picture(PixelFormat.RGBA8, width, height, ByteBuffer.wrap(rgba)))
                .setMask(new Picture(PixelFormat.GRAY8, width, height, ByteBuffer.wrap(mask)));
        try (AtelierDaemon daemon = tlsDaemon(server);
             AtelierClient client = AtelierClient.connectTls("127.0.0.1", daemon.port(), server.readToken(), 60_000,
                     daemon.fingerprint())) {
            Rect region = client.contextRegion(new RegionQuery(Operation.CONTENT_FILL, width, height)
                    .setSelection(new Rect(2500, 1400, 80, 60)));
            assertTrue((long) region.getWidth() * region.getHeight() < width * height / 50,
                    "a 80x60 hole needs a small neighbourhood, not " + region);
            ContextCrop.Plan plan = ContextCrop.plan(client, request);
            assertTrue(plan.cropped());
            assertEquals(region.getWidth() * region.getHeight() * 4, plan.request().getImage().getData().length,
                    "what is sent is the region's pixels");
            EditResult cropped = client.editInContext(request, JobListener.SILENT);
            EditResult whole = client.edit(request, JobListener.SILENT);
            assertEquals(width, cropped.getCanvasWidth());
            Layer a = cropped.getLayers().get(0);
            Layer b = whole.getLayers().get(0);
            assertEquals(b.getX(), a.getX());
            assertEquals(b.getY(), a.getY());
            assertArrayEquals(b.getPixels().getData(), a.getPixels().getData(), "the crop gives the very same fill");
            assertTrue(cropped.getDetails().get("sent").endsWith("of 4000x3000"), cropped.getDetails().toString());

            assertEquals(new Rect(0, 0, width, height), client.contextRegion(new RegionQuery(Operation.OUTPAINT, width, height)));
            InvalidRequest outside = assertThrows(InvalidRequest.class, () -> client.contextRegion(
                    new RegionQuery(Operation.CONTENT_FILL, 100, 100).setSelection(new Rect(90, 90, 20, 20))));
            assertEquals("selection", outside.getField());
        }
    }

    @Test
    void theCommandSendsAFillTheRegionItReadsAndWritesTheSamePictureAsAWholeOne() throws Exception {
        AtelierHome server = AtelierHome.under(dir.resolve("server"));
        AtelierHome laptop = AtelierHome.under(dir.resolve("laptop"));
        Path image = Files.write(dir.resolve("meadow.png"), atelier.daemon.DaemonFixture.sample("meadow-ball.png"));
        Path mask = Files.write(dir.resolve("mask.png"), atelier.daemon.DaemonFixture.sample("meadow-ball-mask.png"));
        try (AtelierDaemon daemon = tlsDaemon(server)) {
            String port = String.valueOf(daemon.port());
            assertEquals(0, Cli.run(laptop, "connect", "127.0.0.1:" + port, "--token-file", server.tokenFile().toString(),
                    "--fingerprint", daemon.fingerprint()).status);
            Cli remote = Cli.run(laptop, "fill", "--host", "127.0.0.1", "--port", port, "--image", image.toString(),
                    "--mask", mask.toString(), "--seed", "3", "--out", dir.resolve("remote.png").toString());
            assertEquals(0, remote.status, remote.err);
            assertTrue(remote.err.contains("sending the "), remote.err);
        }
        Cli local = Cli.run(AtelierHome.under(dir.resolve("local")), "fill", "--port", "1", "--image", image.toString(),
                "--mask", mask.toString(), "--seed", "3", "--out", dir.resolve("local.png").toString());
        assertEquals(0, local.status, local.err);
        atelier.daemon.image.Raster a = atelier.daemon.image.PngCodec.decodeRgba(Files.readAllBytes(dir.resolve("remote.png")), Long.MAX_VALUE);
        atelier.daemon.image.Raster b = atelier.daemon.image.PngCodec.decodeRgba(Files.readAllBytes(dir.resolve("local.png")), Long.MAX_VALUE);
        assertEquals(b.extent(), a.extent());
        assertArrayEquals(b.rgba(), a.rgba(), "cropping changes what is sent, not the picture");
    }

    /** One `atelier` run: exit status and what it printed. */
    private record Cli(int status, String out, String err) {
        static Cli run(AtelierHome home, String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = new AtelierCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), home, false).run(args);
            return new Cli(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    /** For the old-protocol probe only: the handshake must fail on the version, not on trust. */
    private static final class TrustingAnything implements javax.net.ssl.X509TrustManager {
        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
        }

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
        }
    }
}
