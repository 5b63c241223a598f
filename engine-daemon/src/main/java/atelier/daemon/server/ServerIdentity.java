package atelier.daemon.server;

import atelier.bridge.client.CertificateFingerprint;
import atelier.bridge.client.PrivateFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * The daemon's TLS identity for `serve --tls`: a key and self-signed certificate made on first
 * start and kept in a PKCS#12 file beside the token, owner-only like it (the file's permissions
 * are what protect the key, as they protect the token, so its store password is not a secret).
 * Only TLS 1.3 is offered.
 */
public final class ServerIdentity {

    private static final char[] STORE_PASSWORD = "atelier".toCharArray();
    private static final String ALIAS = "atelier-daemon";
    private static final int YEARS = 10;

    private final KeyStore store;
    private final X509Certificate certificate;

    private ServerIdentity(KeyStore store, X509Certificate certificate) {
        this.store = store;
        this.certificate = certificate;
    }

    /** Reads the identity, or makes one (and its file, 0600) when there is none. */
    public static ServerIdentity loadOrCreate(Path file) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            if (Files.exists(file)) {
                PrivateFiles.restrict(file, PrivateFiles.FILE);
                try (InputStream in = Files.newInputStream(file)) {
                    store.load(in, STORE_PASSWORD);
                }
                Certificate stored = store.getCertificate(ALIAS);
                if (stored instanceof X509Certificate x509 && store.isKeyEntry(ALIAS)) {
                    return new ServerIdentity(store, x509);
                }
                throw new IOException(file + " holds no Atelier key: remove it and a new one is made (clients then"
                        + " see a new fingerprint and must trust it again)");
            }
            SelfSignedCertificate.Issued issued = SelfSignedCertificate.issue("Atelier daemon " + hostName(), YEARS);
            store.load(null, null);
            store.setKeyEntry(ALIAS, issued.keys().getPrivate(), STORE_PASSWORD, new Certificate[] {issued.certificate()});
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            store.store(bytes, STORE_PASSWORD);
            PrivateFiles.directories(file.toAbsolutePath().getParent());
            PrivateFiles.writeAtomically(file, bytes.toByteArray());
            return new ServerIdentity(store, issued.certificate());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read or make the daemon's TLS key in " + file + ": " + e.getMessage(), e);
        }
    }

    /** What clients pin, as `atelier serve --tls` prints it. */
    public String fingerprint() {
        try {
            return CertificateFingerprint.of(certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A TLS 1.3 server socket bound to the address, with this identity. */
    public SSLServerSocket listen(InetAddress address, int port, int backlog) throws IOException {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, STORE_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(keys.getKeyManagers(), null, null);
            SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
            socket.setEnabledProtocols(new String[] {"TLSv1.3"});
            socket.setNeedClientAuth(false);
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address, port), backlog);
            return socket;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot start TLS: " + e.getMessage(), e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "";
        }
    }
}
