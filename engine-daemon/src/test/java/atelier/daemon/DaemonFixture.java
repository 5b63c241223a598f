package atelier.daemon;

import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.AtelierHome;
import atelier.daemon.server.Limits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.thrift.transport.TTransportException;

/** A real daemon on a free loopback port with its own home directory, for one test class. */
public final class DaemonFixture implements AutoCloseable {

    public final AtelierHome home;
    public final AtelierDaemon daemon;

    public DaemonFixture(Path root) throws IOException {
        this(root, Limits.DEFAULT, 1);
    }

    public DaemonFixture(Path root, Limits limits, int workers) throws IOException {
        this.home = AtelierHome.under(root);
        this.daemon = AtelierDaemon.start(new AtelierDaemon.Settings(0, home, limits, workers, Duration.ofHours(1)));
    }

    public AtelierClient client() throws IOException, TTransportException {
        return AtelierClient.connect("127.0.0.1", daemon.port(), home.readToken(), 30_000);
    }

    public AtelierClient clientWithToken(String token) throws TTransportException {
        return AtelierClient.connect("127.0.0.1", daemon.port(), token, 30_000);
    }

    /** A sample picture's bytes from the assets module. */
    public static byte[] sample(String name) throws IOException {
        try (InputStream in = DaemonFixture.class.getResourceAsStream("/atelier/samples/" + name)) {
            if (in == null) {
                throw new IOException("no sample " + name);
            }
            return in.readAllBytes();
        }
    }

    @Override
    public void close() {
        daemon.close();
    }
}
