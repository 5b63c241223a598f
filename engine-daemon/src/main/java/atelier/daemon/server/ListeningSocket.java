package atelier.daemon.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.apache.thrift.transport.TServerSocket;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransportException;

/**
 * The daemon's Thrift server socket (127.0.0.1 unless configured otherwise, TLS when asked), whose
 * connections accept messages up to the daemon's limit (Thrift's own default is 100 MB)
 * and drop clients idle for too long.
 */
public final class ListeningSocket extends TServerSocket {

    private static final int IDLE_CLIENT_MILLIS = 10 * 60 * 1000;

    private final int maxMessageBytes;

    private ListeningSocket(InetAddress address, int port, int maxMessageBytes) throws TTransportException {
        super(new ServerSocketTransportArgs()
                .bindAddr(new InetSocketAddress(address, port))
                .backlog(64));
        this.maxMessageBytes = maxMessageBytes;
    }

    private ListeningSocket(ServerSocket bound, int maxMessageBytes) throws TTransportException {
        super(new ServerSocketTransportArgs().serverSocket(bound));
        this.maxMessageBytes = maxMessageBytes;
    }

    public static ListeningSocket open(InetAddress address, int port, int maxMessageBytes) throws TTransportException {
        return new ListeningSocket(address, port, maxMessageBytes);
    }

    /** Serves on a socket already bound (a TLS one: its handshake runs on the connection's worker, not here). */
    public static ListeningSocket over(ServerSocket bound, int maxMessageBytes) throws TTransportException {
        return new ListeningSocket(bound, maxMessageBytes);
    }

    @Override
    public TSocket accept() throws TTransportException {
        ServerSocket server = getServerSocket();
        if (server == null) {
            throw new TTransportException(TTransportException.NOT_OPEN, "the server socket is closed");
        }
        try {
            Socket client = server.accept();
            client.setSoTimeout(IDLE_CLIENT_MILLIS);
            client.setTcpNoDelay(true);
            return new LimitedSocket(client, maxMessageBytes);
        } catch (IOException e) {
            throw new TTransportException(e);
        }
    }

    /** A connection whose message and frame limits are the daemon's, set before the first read. */
    private static final class LimitedSocket extends TSocket {
        LimitedSocket(Socket socket, int maxMessageBytes) throws TTransportException {
            super(socket);
            getConfiguration().setMaxMessageSize(maxMessageBytes);
            getConfiguration().setMaxFrameSize(maxMessageBytes);
            resetConsumedMessageSize(-1);
        }
    }
}
