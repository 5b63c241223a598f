package atelier.daemon.server;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.server.ServerContext;
import org.apache.thrift.server.TServerEventHandler;
import org.apache.thrift.transport.TTransport;

/**
 * Names each connection, so limits can be per client. The thread-pool server serves one
 * connection on one thread from its first call to its last, so the name lives in a
 * thread-local for the handler to read.
 */
public final class ConnectionTracker implements TServerEventHandler {

    private static final ThreadLocal<String> CURRENT = ThreadLocal.withInitial(() -> "");
    private final AtomicLong connections = new AtomicLong();

    /** The connection the calling thread is serving, or "" outside a connection. */
    static String current() {
        return CURRENT.get();
    }

    @Override
    public void preServe() {
    }

    @Override
    public ServerContext createContext(TProtocol input, TProtocol output) {
        CURRENT.set("connection-" + connections.incrementAndGet());
        return null;
    }

    @Override
    public void deleteContext(ServerContext context, TProtocol input, TProtocol output) {
        CURRENT.remove();
    }

    @Override
    public void processContext(ServerContext context, TTransport input, TTransport output) {
    }
}
