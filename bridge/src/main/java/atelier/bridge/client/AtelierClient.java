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

    private AtelierClient(TTransport transport, String token) {
        this.transport = transport;
        this.rpc = new Atelier.Client(new TBinaryProtocol(transport));
        this.token = token;
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
        return new AtelierClient(framed, token);
    }

    public synchronized Capabilities capabilities() throws TException {
        return rpc.capabilities(token);
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
