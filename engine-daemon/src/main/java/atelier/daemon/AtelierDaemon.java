package atelier.daemon;

import atelier.bridge.client.AtelierHome;
import atelier.bridge.client.PrivateFiles;
import atelier.bridge.thrift.Atelier;
import atelier.bridge.thrift.Operation;
import atelier.daemon.classic.BorderCutout;
import atelier.daemon.classic.LineArtFlats;
import atelier.daemon.classic.PatchMatchFill;
import atelier.daemon.classic.TeleaFill;
import atelier.daemon.jobs.JobQueue;
import atelier.daemon.neural.InstalledModels;
import atelier.daemon.neural.diffusion.sampling.Scheduler;
import atelier.daemon.ops.Colorize;
import atelier.daemon.ops.ContentFill;
import atelier.daemon.ops.CutoutEngine;
import atelier.daemon.ops.EditCatalog;
import atelier.daemon.ops.Inpaint;
import atelier.daemon.ops.InpaintEngine;
import atelier.daemon.ops.Outpaint;
import atelier.daemon.ops.RemoveBackground;
import atelier.daemon.server.AtelierService;
import atelier.daemon.server.CheckedBinaryProtocol;
import atelier.daemon.server.ConnectionTracker;
import atelier.daemon.server.Limits;
import atelier.daemon.server.ListeningSocket;
import atelier.daemon.server.ServerIdentity;
import atelier.daemon.server.StyleBook;
import atelier.daemon.server.TokenFile;
import atelier.daemon.server.TokenFirstFrames;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.server.TServer;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerSocket;
import org.apache.thrift.transport.TTransportException;

/** The Atelier daemon: the engines behind a Thrift server on loopback. */
public final class AtelierDaemon implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AtelierDaemon.class);

    /** How the daemon runs; {@link #defaults} is what `atelier serve` uses. */
    public record Settings(String listenAddress, int port, AtelierHome home, Limits limits, int workers, Duration keepResults,
                           boolean tls) {

        public Settings(int port, AtelierHome home, Limits limits, int workers, Duration keepResults) {
            this("127.0.0.1", port, home, limits, workers, keepResults, false);
        }

        public static Settings defaults(int port, AtelierHome home) {
            // CPU engines run side by side up to the cores; model engines take turns on their model.
            return new Settings(port, home, Limits.DEFAULT, Runtime.getRuntime().availableProcessors(), Duration.ofHours(1));
        }

        public Settings listeningOn(String address) {
            return new Settings(address, port, home, limits, workers, keepResults, tls);
        }

        /** Serves TLS 1.3 with the daemon's own certificate (made on first start, see ServerIdentity). */
        public Settings withTls(boolean on) {
            return new Settings(listenAddress, port, home, limits, workers, keepResults, on);
        }
    }

    private final TServerSocket socket;
    private final TServer server;
    private final JobQueue jobs;
    private final Thread serving;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private final InstalledModels models;
    private final String fingerprint;

    private AtelierDaemon(TServerSocket socket, TServer server, JobQueue jobs, InstalledModels models, String fingerprint) {
        this.fingerprint = fingerprint;
        this.socket = socket;
        this.server = server;
        this.jobs = jobs;
        this.models = models;
        this.serving = new Thread(() -> {
            try {
                server.serve();
            } finally {
                stopped.countDown();
            }
        }, "atelier-thrift");
    }

    /** The file that holds the daemon's TLS key and certificate, beside the token. */
    public static java.nio.file.Path identityFile(AtelierHome home) {
        return home.configDir().resolve("tls.p12");
    }

    /**
     * Binds 127.0.0.1:port (0 picks a free one), writes the token on first start, and serves.
     * Another address needs TLS: pictures and the token would otherwise cross the network in clear.
     */
    public static AtelierDaemon start(Settings settings) throws IOException {
        InetAddress address = InetAddress.getByName(settings.listenAddress());
        if (!address.isLoopbackAddress() && !settings.tls()) {
            throw new IOException("--listen " + settings.listenAddress() + " reaches beyond this machine: add --tls"
                    + " (pictures and the token would cross the network unencrypted), or use an SSH tunnel to 127.0.0.1");
        }
        // Directories an older Atelier made readable to others become the user's alone (the spool tightens itself).
        PrivateFiles.tighten(settings.home().configDir());
        PrivateFiles.tighten(settings.home().stateDir());
        TokenFile token = TokenFile.loadOrCreate(settings.home().tokenFile());
        JobQueue jobs = new JobQueue(settings.workers(), settings.limits().maxQueuedJobs(),
                settings.limits().maxQueuedPerClient(), settings.home().spoolDir(), settings.keepResults());
        InstalledModels models = InstalledModels.scan(settings.home().modelDir());
        // Styles: the model directory's styles/ and the config directory's, over the built-in ones.
        StyleBook styles = StyleBook.load(List.of(settings.home().modelDir().resolve("styles"),
                settings.home().configDir().resolve("styles")));
        AtelierService service = new AtelierService(token, catalog(models), models.infos(), jobs, settings.limits(), version(),
                "cpu (" + Runtime.getRuntime().availableProcessors() + " cores)", styles);
        int maxBytes = settings.limits().maxMessageBytes();
        try {
            ServerIdentity identity = settings.tls() ? ServerIdentity.loadOrCreate(identityFile(settings.home())) : null;
            TServerSocket socket = identity == null ? ListeningSocket.open(address, settings.port(), maxBytes)
                    : ListeningSocket.over(identity.listen(address, settings.port(), 64), maxBytes);
            if (!address.isLoopbackAddress()) {
                LOG.warn("listening on {} with TLS: whoever can reach it and holds the token can use this daemon", address);
            }
            TThreadPoolServer.Args args = new TThreadPoolServer.Args(socket)
                    .processor(new Atelier.Processor<>(service))
                    .transportFactory(TokenFirstFrames.factory(token, maxBytes))
                    .protocolFactory(CheckedBinaryProtocol.factory(maxBytes, 1_000_000))
                    .minWorkerThreads(2)
                    .maxWorkerThreads(64);
            TThreadPoolServer server = new TThreadPoolServer(args);
            server.setServerEventHandler(new ConnectionTracker());
            AtelierDaemon daemon = new AtelierDaemon(socket, server, jobs, models,
                    identity == null ? null : identity.fingerprint());
            daemon.serving.start();
            daemon.awaitServing();
            return daemon;
        } catch (TTransportException | IOException e) {
            jobs.close();
            models.close();
            throw new IOException("cannot listen on " + settings.listenAddress() + ":" + settings.port() + ": " + e.getMessage(), e);
        }
    }

    /** The operations and their engines, installed models first where they are better. */
    /**
     * The fix a cut-out refusal names: ISNet with its size from the bundled manifest, or a
     * selection round the subject.
     */
    static String howToCutAnyPicture() {
        Long bytes = atelier.bridge.models.ModelManifest.bundled().find("isnet").map(p -> p.size()).orElse(null);
        String size = bytes == null ? "" : String.format(java.util.Locale.ROOT, ", %d MB", Math.round(bytes / 1e6));
        return "install ISNet (`atelier models install isnet`" + size + ") or select the subject";
    }

    public static EditCatalog catalog(InstalledModels models) {
        List<CutoutEngine> cutout = new ArrayList<>(models.cutoutEngines());
        cutout.add(new BorderCutout());
        List<InpaintEngine> diffusion = models.inpaintEngines();
        return new EditCatalog(List.of(
                new ContentFill(List.of(new PatchMatchFill(), new TeleaFill()), diffusion),
                new Inpaint(diffusion, models.howToEnableInpaint()),
                new Outpaint(List.of(new PatchMatchFill()), diffusion),
                new RemoveBackground(cutout, models.unavailable(), howToCutAnyPicture(), new atelier.daemon.classic.SelectionGrabCut()),
                new Colorize(List.of(new LineArtFlats()), models.lineArtPainters())), Scheduler.NAMES);
    }

    /**
     * Waits until Thrift's loop runs: TThreadPoolServer.serve() clears its stop flag when it
     * begins, so a close() that came before would be forgotten and the loop would spin on the
     * closed socket forever.
     */
    private void awaitServing() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!server.isServing() && serving.isAlive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public int port() {
        return socket.getServerSocket().getLocalPort();
    }

    /** The TLS certificate's fingerprint clients pin, or null when serving plain loopback. */
    public String fingerprint() {
        return fingerprint;
    }

    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        server.stop();
        socket.close();
        jobs.close();
        models.close();
        try {
            serving.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String version() {
        try (InputStream in = AtelierDaemon.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
