package atelier.bridge.client;

import atelier.bridge.thrift.Atelier;
import atelier.bridge.thrift.Busy;
import atelier.bridge.thrift.Cancelled;
import atelier.bridge.thrift.Capabilities;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.JobStatus;
import atelier.bridge.thrift.NoResult;
import atelier.bridge.thrift.NotFound;
import atelier.bridge.thrift.Unauthorized;
import atelier.bridge.thrift.Unsupported;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.layered.TFramedTransport;

/**
 * A connection to the Atelier daemon. The calls mirror atelier.thrift; {@link #edit}
 * is the whole round trip (submit, follow progress, fetch). Calls are serialised, so
 * one thread may cancel while another waits.
 */
public final class AtelierClient implements AutoCloseable {

    /** Largest message either side accepts; the daemon's own limit is reported by capabilities(). */
    public static final int MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

    private static final long POLL_MILLIS = 100;

    private final TTransport transport;
    private final Atelier.Client rpc;
    private final String token;
    private final String serverFingerprint;

    private AtelierClient(TTransport transport, String token, String serverFingerprint) {
        this.transport = transport;
        this.rpc = new Atelier.Client(new TBinaryProtocol(transport));
        this.token = token;
        this.serverFingerprint = serverFingerprint;
    }

    /** Opens a connection; fails with a TTransportException when nothing listens there. */
    public static AtelierClient connect(String host, int port, String token, int timeoutMillis) throws TTransportException {
        TConfiguration limits = TConfiguration.custom()
                .setMaxMessageSize(MAX_MESSAGE_BYTES)
                .setMaxFrameSize(MAX_MESSAGE_BYTES)
                .build();
        TSocket socket = new TSocket(limits, host, port, timeoutMillis);
        TTransport framed = new TFramedTransport(socket, MAX_MESSAGE_BYTES);
        framed.open();
        return new AtelierClient(framed, token, null);
    }

    /**
     * Opens a TLS 1.3 connection to a daemon serving with {@code --tls}. Its certificate is
     * self-signed, so trust is the fingerprint: {@code expectedFingerprint} must match it, or be
     * null to connect once and read it ({@link #serverFingerprint()}) before trusting it.
     *
     * @throws TTransportException when nothing listens there, the handshake fails, or the
     *     certificate is not the expected one (the message says which)
     */
    public static AtelierClient connectTls(String host, int port, String token, int timeoutMillis, String expectedFingerprint)
            throws TTransportException {
        PinnedCertificate pin = new PinnedCertificate(expectedFingerprint);
        javax.net.ssl.SSLSocket tls = null;
        try {
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            context.init(null, new javax.net.ssl.TrustManager[] {pin}, null);
            java.net.Socket plain = new java.net.Socket();
            plain.connect(new java.net.InetSocketAddress(host, port), timeoutMillis);
            tls = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
            tls.setEnabledProtocols(new String[] {"TLSv1.3"});
            tls.setSoTimeout(timeoutMillis);
            tls.setTcpNoDelay(true);
            tls.startHandshake();
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            closeQuietly(tls);
            String why = pin.refusal != null ? pin.refusal : "cannot open a TLS connection to " + host + ":" + port + ": " + e.getMessage();
            throw new TTransportException(TTransportException.NOT_OPEN, why, e);
        }
        TSocket socket = new TSocket(tls);
        socket.getConfiguration().setMaxMessageSize(MAX_MESSAGE_BYTES);
        socket.getConfiguration().setMaxFrameSize(MAX_MESSAGE_BYTES);
        TTransport framed = new TFramedTransport(socket, MAX_MESSAGE_BYTES);
        return new AtelierClient(framed, token, pin.seen);
    }

    /** The fingerprint of the certificate the daemon showed, or null on a plain loopback connection. */
    public String serverFingerprint() {
        return serverFingerprint;
    }

    private static void closeQuietly(java.net.Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (java.io.IOException ignored) {
                // nothing was sent on it
            }
        }
    }

    /** Trusts exactly one certificate, by fingerprint; with none expected, trusts what it sees and records it. */
    private static final class PinnedCertificate implements javax.net.ssl.X509TrustManager {
        private final String expected;
        private String seen;
        private String refusal;

        PinnedCertificate(String expected) {
            this.expected = expected == null ? null : CertificateFingerprint.normalise(expected);
        }

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            if (chain == null || chain.length == 0) {
                refusal = "the daemon showed no certificate";
                throw new java.security.cert.CertificateException(refusal);
            }
            seen = CertificateFingerprint.of(chain[0].getEncoded());
            if (expected != null && !expected.equals(seen)) {
                refusal = "the daemon's certificate is not the one trusted: expected " + expected + ", got " + seen
                        + ". If its owner made a new one, check the new fingerprint with them and run"
                        + " `atelier connect HOST:PORT --replace`; otherwise someone may be in between";
                throw new java.security.cert.CertificateException(refusal);
            }
        }

        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("a client does not check clients");
        }

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
        }
    }

    public synchronized Capabilities capabilities() throws TException {
        return rpc.capabilities(token);
    }

    public synchronized atelier.bridge.thrift.Rect contextRegion(atelier.bridge.thrift.RegionQuery query) throws TException {
        return rpc.contextRegion(token, query);
    }

    public synchronized String submit(EditRequest request) throws TException {
        return rpc.submit(token, request);
    }

    public synchronized JobStatus status(String jobId) throws TException {
        return rpc.status(token, jobId);
    }

    public synchronized EditResult result(String jobId) throws TException {
        return rpc.result(token, jobId);
    }

    public synchronized void cancel(String jobId) throws TException {
        rpc.cancel(token, jobId);
    }

    /**
     * Submits the request, reports progress until the job ends and returns its result.
     *
     * @throws InvalidRequest, Unsupported, Busy, Unauthorized as submit does (for a picture
     *     decoded on the daemon's worker, InvalidRequest and Unsupported may come from result)
     * @throws Cancelled when the job was cancelled
     * @throws NoResult when the job failed
     */
    public EditResult edit(EditRequest request, JobListener listener) throws TException, InterruptedException {
        String jobId = submit(request);
        listener.submitted(jobId);
        while (true) {
            JobStatus status = status(jobId);
            listener.progress(status);
            if (status.getState() != JobState.QUEUED && status.getState() != JobState.RUNNING) {
                return result(jobId);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * As {@link #edit}, sending only the part of the picture the daemon will look at
     * ({@link ContextCrop}); the result's layers are placed on the whole canvas. For a daemon on
     * another machine, where every megabyte crosses the network.
     */
    public EditResult editInContext(EditRequest request, JobListener listener) throws TException, InterruptedException {
        ContextCrop.Plan plan;
        try {
            plan = ContextCrop.plan(this, request);
        } catch (java.io.IOException unreadable) {
            plan = new ContextCrop.Plan(request, null, 0, 0); // the daemon names what is wrong with the picture
        }
        return ContextCrop.place(plan, edit(plan.request(), listener));
    }

    /** A sentence for a person about any failure of a call. */
    public static String describe(Exception failure) {
        if (failure instanceof InvalidRequest e) {
            return "invalid request: " + e.getField() + ": " + e.getReason();
        }
        if (failure instanceof Unsupported e) {
            return "unsupported: " + e.getOperation() + " with engine '" + e.getEngine() + "': " + e.getHowToEnable();
        }
        if (failure instanceof Unauthorized e) {
            return "unauthorized: " + e.getMessage();
        }
        if (failure instanceof NotFound e) {
            return "not found: job " + e.getJobId() + ": " + e.getMessage();
        }
        if (failure instanceof Busy e) {
            return "busy: " + e.getMessage() + " (retry in " + e.getRetryAfterMillis() + " ms)";
        }
        if (failure instanceof Cancelled e) {
            return "cancelled: job " + e.getJobId();
        }
        if (failure instanceof NoResult e) {
            return "no result for job " + e.getJobId() + " (" + e.getState() + "): " + e.getMessage();
        }
        return failure.getMessage() == null ? failure.toString() : failure.getMessage();
    }

    @Override
    public void close() {
        transport.close();
    }
}
