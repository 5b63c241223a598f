package atelier.daemon.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.TTransportFactory;

/**
 * Thrift's framed transport, wire-compatible with TFramedTransport, that lets an unauthorised
 * peer make the daemon hold only a few kilobytes. Every call of the contract carries the token
 * as field 1 of its arguments, at the start of the frame, so each frame is read in two parts:
 * its head (at most {@link #HEAD_BYTES}), where the token is checked, and only with the right
 * token the rest, read as it arrives rather than allocated at the size the peer declares.
 *
 * <p>A frame with a wrong or missing token is consumed without being kept, and what the
 * service sees is its head cut after the token field: a call with no request, answered
 * {@code Unauthorized} as any call with a wrong token is. A frame whose head is not a call
 * closes the connection. The body of a frame must keep arriving: a peer silent
 * for {@link #FRAME_TIMEOUT_MS} in the middle of one is disconnected, and so is one that has
 * not sent a call with the right token within that time of connecting (an authorised client
 * may then stay idle between calls as long as it likes).
 */
public final class TokenFirstFrames extends TTransport {

    /** Enough for the message header, a method name and the 64-character token. */
    static final int HEAD_BYTES = 4096;
    /** How long a frame may stall half-sent. */
    static final int FRAME_TIMEOUT_MS = 30_000;
    /** How long one reply may take to be taken up by the peer (a 256 MiB result at a slow 5 MB/s fits). */
    static final int WRITE_TIMEOUT_MS = 60_000;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "atelier-write-watchdog");
        t.setDaemon(true);
        return t;
    });
    /** Bodies grow by at most this much per read, so a declared size costs nothing until it arrives. */
    private static final int CHUNK = 1 << 20;

    private final TTransport socket;
    private final TokenFile token;
    private final int maxFrameBytes;
    private final byte[] header = new byte[4];
    private ByteBuffer frame = ByteBuffer.allocate(0);
    private boolean authorised;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TokenFirstFrames(TTransport socket, TokenFile token, int maxFrameBytes) {
        this.socket = socket;
        this.token = token;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The transport of every connection the daemon accepts. */
    public static TTransportFactory factory(TokenFile token, int maxFrameBytes) {
        return new TTransportFactory() {
            @Override
            public TTransport getTransport(TTransport socket) {
                return new TokenFirstFrames(socket, token, maxFrameBytes);
            }
        };
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    @Override
    public void open() throws TTransportException {
        socket.open();
    }

    @Override
    public void close() {
        socket.close();
    }

    @Override
    public int read(byte[] buf, int off, int len) throws TTransportException {
        if (!frame.hasRemaining()) {
            readFrame();
        }
        int n = Math.min(len, frame.remaining());
        frame.get(buf, off, n);
        return n;
    }

    private void readFrame() throws TTransportException {
        if (!authorised) {
            timeout(FRAME_TIMEOUT_MS);
        }
        socket.readAll(header, 0, 4);
        int size = ((header[0] & 0xFF) << 24) | ((header[1] & 0xFF) << 16) | ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
        if (size <= 0 || size > maxFrameBytes) {
            throw new TTransportException(TTransportException.CORRUPTED_DATA,
                    "frame of " + size + " bytes: the limit is " + maxFrameBytes);
        }
        int stallLimit = timeout(FRAME_TIMEOUT_MS);
        try {
            byte[] head = new byte[Math.min(size, HEAD_BYTES)];
            socket.readAll(head, 0, head.length);
            CallHead call = callHead(head);
            if (size <= HEAD_BYTES) {
                // Small enough to hold whatever it is: the service answers it, Unauthorized or a protocol error.
                frame = ByteBuffer.wrap(head);
                authorised |= call != null && call.hasToken() && token.matches(tokenOf(head, call));
                return;
            }
            if (call == null) {
                throw new TTransportException(TTransportException.CORRUPTED_DATA, "a frame that is not a call");
            }
            if (!token.matches(call.hasToken() ? tokenOf(head, call) : null)) {
                discard(size - head.length);
                // The head up to the token (or to the arguments, without one), then the end of the
                // arguments: the service sees a call with nothing else and answers Unauthorized.
                int keep = call.hasToken() ? call.tokenEnd() : call.argumentsStart();
                byte[] cut = Arrays.copyOf(head, keep + 1);
                cut[keep] = TType.STOP;
                frame = ByteBuffer.wrap(cut);
                return;
            }
            frame = ByteBuffer.wrap(readRest(head, size));
            authorised = true;
        } finally {
            timeout(authorised ? stallLimit : FRAME_TIMEOUT_MS);
        }
    }

    /** The whole frame, growing as the bytes arrive. */
    private byte[] readRest(byte[] head, int size) throws TTransportException {
        byte[] body = Arrays.copyOf(head, Math.min(size, head.length + CHUNK));
        int have = head.length;
        while (have < size) {
            if (have == body.length) {
                body = Arrays.copyOf(body, Math.min(size, body.length + Math.max(CHUNK, body.length / 2)));
            }
            have += socket.read(body, have, body.length - have);
        }
        return body;
    }

    private void discard(int bytes) throws TTransportException {
        byte[] scratch = new byte[Math.min(bytes, 64 * 1024)];
        while (bytes > 0) {
            bytes -= socket.read(scratch, 0, Math.min(bytes, scratch.length));
        }
    }

    /**
     * Where a call's parts lie in a frame's head: the end of the message header (where the
     * arguments begin), and the token's bytes, or -1 for both when the call carries no token.
     */
    record CallHead(int argumentsStart, int tokenStart, int tokenEnd) {
        boolean hasToken() {
            return tokenStart >= 0;
        }
    }

    /**
     * Reads a strict binary-protocol call's head: version and type, method name, sequence id,
     * then the arguments, whose field 1 is the token string. Null when the head is not a call.
     */
    static CallHead callHead(byte[] head) {
        ByteBuffer b = ByteBuffer.wrap(head);
        if (b.remaining() < 8 || (b.getInt() & 0xFFFF0000) != 0x80010000) {
            return null;
        }
        int nameLength = b.getInt();
        if (nameLength < 0 || nameLength > b.remaining() - 4) {
            return null;
        }
        b.position(b.position() + nameLength + 4);
        int arguments = b.position();
        if (b.remaining() < 7 || b.get() != TType.STRING || b.getShort() != 1) {
            return new CallHead(arguments, -1, -1);
        }
        int length = b.getInt();
        if (length < 0 || length > b.remaining()) {
            return new CallHead(arguments, -1, -1);
        }
        return new CallHead(arguments, b.position(), b.position() + length);
    }

    private static String tokenOf(byte[] head, CallHead call) {
        return new String(head, call.tokenStart(), call.tokenEnd() - call.tokenStart(), StandardCharsets.UTF_8);
    }

    /** Sets the socket's read timeout, answering the one it had (0 when the transport has no socket). */
    private int timeout(int millis) {
        if (socket instanceof TSocket s) {
            try {
                int before = s.getSocket().getSoTimeout();
                s.setTimeout(millis);
                return before;
            } catch (java.net.SocketException e) {
                return 0;
            }
        }
        return 0;
    }

    @Override
    public void write(byte[] buf, int off, int len) {
        out.write(buf, off, len);
    }

    /**
     * Sends the reply. A peer that asks and then never reads would block the write, and the
     * thread, for good (socket writes have no timeout): past {@link #WRITE_TIMEOUT_MS} the
     * connection is closed, which ends the write.
     */
    @Override
    public void flush() throws TTransportException {
        byte[] body = out.toByteArray();
        out.reset();
        byte[] size = ByteBuffer.allocate(4).putInt(body.length).array();
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(socket::close, WRITE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        try {
            socket.write(size, 0, 4);
            socket.write(body, 0, body.length);
            socket.flush();
        } finally {
            watchdog.cancel(false);
        }
    }

    @Override
    public TConfiguration getConfiguration() {
        return socket.getConfiguration();
    }

    @Override
    public void updateKnownMessageSize(long size) {
    }

    @Override
    public void checkReadBytesAvailable(long numBytes) throws TTransportException {
        if (numBytes > frame.remaining()) {
            throw new TTransportException(TTransportException.END_OF_FILE,
                    "a field of " + numBytes + " bytes in a frame with " + frame.remaining() + " left");
        }
    }
}
