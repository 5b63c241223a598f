package atelier.daemon.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.apache.thrift.transport.TServerSocket;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransportException;

/**
 * A Thrift server socket on 127.0.0.1 only, whose connections accept messages up to the
 * daemon's limit (Thrift's own default is 100 MB) and drop clients idle for too long.
 */
public final class LoopbackServerSocket extends TServerSocket {

    private static final int IDLE_CLIENT_MILLIS = 10 * 60 * 1000;

    private final int maxMessageBytes;

    public static LoopbackServerSocket open(int port, int maxMessageBytes) throws TTransportException {
        return new LoopbackServerSocket(port, maxMessageBytes);
    }

    private LoopbackServerSocket(int port, int maxMessageBytes) throws TTransportException {
        super(new ServerSocketTransportArgs()
                .bindAddr(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                .clientTimeout(IDLE_CLIENT_MILLIS)
                .backlog(64));
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public TSocket accept() throws TTransportException {
        TSocket socket = super.accept();
        socket.getConfiguration().setMaxMessageSize(maxMessageBytes);
        socket.getConfiguration().setMaxFrameSize(maxMessageBytes);
        socket.updateKnownMessageSize(maxMessageBytes);
        return socket;
    }
}
