package atelier.bridge.client;

import java.io.IOException;

/**
 * Starts an Atelier daemon inside this JVM. The bridge cannot depend on the daemon
 * (the daemon depends on the bridge), so the daemon module provides this through
 * {@link java.util.ServiceLoader}; the `atelier` command uses it for `serve` and when
 * no daemon answers.
 */
public interface DaemonLauncher {

    /** Starts listening on 127.0.0.1:port (0 picks a free port) and returns at once. */
    default RunningDaemon start(int port, AtelierHome home) throws IOException {
        return start(LOOPBACK, port, home);
    }

    /** Starts listening on the given address: loopback only, since anything else needs TLS. */
    default RunningDaemon start(String listenAddress, int port, AtelierHome home) throws IOException {
        return start(listenAddress, port, home, false);
    }

    /**
     * Starts listening on the given address, with TLS 1.3 and the daemon's own certificate when
     * {@code tls}; an address beyond this machine without TLS is refused (IOException saying so).
     */
    RunningDaemon start(String listenAddress, int port, AtelierHome home, boolean tls) throws IOException;

    String LOOPBACK = "127.0.0.1";

    /** A daemon started in this JVM. Closing it stops it. */
    interface RunningDaemon extends AutoCloseable {
        int port();

        /** The fingerprint of the certificate it serves TLS with, or null when it serves plain loopback. */
        String fingerprint();

        /** Blocks until the daemon stops. */
        void awaitStop() throws InterruptedException;

        @Override
        void close();
    }
}
