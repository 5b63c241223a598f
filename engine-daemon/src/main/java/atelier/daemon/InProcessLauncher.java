package atelier.daemon;

import atelier.bridge.client.AtelierHome;
import atelier.bridge.client.DaemonLauncher;
import java.io.IOException;

/** Lets the `atelier` command (in the bridge) start this daemon inside its own JVM. */
public final class InProcessLauncher implements DaemonLauncher {

    @Override
    public RunningDaemon start(String listenAddress, int port, AtelierHome home, boolean tls) throws IOException {
        AtelierDaemon daemon = AtelierDaemon.start(AtelierDaemon.Settings.defaults(port, home).listeningOn(listenAddress).withTls(tls));
        return new RunningDaemon() {
            @Override
            public int port() {
                return daemon.port();
            }

            @Override
            public String fingerprint() {
                return daemon.fingerprint();
            }

            @Override
            public void awaitStop() throws InterruptedException {
                daemon.awaitStop();
            }

            @Override
            public void close() {
                daemon.close();
            }
        };
    }
}
