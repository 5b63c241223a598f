package atelier.daemon.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TProtocolException;
import org.apache.thrift.protocol.TProtocolFactory;
import org.apache.thrift.transport.TTransport;

/**
 * Thrift's binary protocol with string and binary lengths checked before use. libthrift
 * 0.17 reads a negative length from a framed (buffered) transport straight into
 * {@code new String(buf, pos, length)} and fails with a StringIndexOutOfBoundsException
 * instead of a protocol error; the fuzzer found it. Here such bytes are a TProtocolException.
 */
public final class CheckedBinaryProtocol extends TBinaryProtocol {

    private final long lengthLimit;

    public CheckedBinaryProtocol(TTransport transport, long lengthLimit, long containerLengthLimit) {
        super(transport, lengthLimit, containerLengthLimit);
        this.lengthLimit = lengthLimit;
    }

    /** Makes this protocol for every connection. */
    public static TProtocolFactory factory(long lengthLimit, long containerLengthLimit) {
        return new TProtocolFactory() {
            @Override
            public TProtocol getProtocol(TTransport transport) {
                return new CheckedBinaryProtocol(transport, lengthLimit, containerLengthLimit);
            }
        };
    }

    @Override
    public String readString() throws TException {
        return new String(readBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public ByteBuffer readBinary() throws TException {
        return ByteBuffer.wrap(readBytes());
    }

    private byte[] readBytes() throws TException {
        int length = readI32();
        if (length < 0) {
            throw new TProtocolException(TProtocolException.NEGATIVE_SIZE, "negative length " + length);
        }
        if (length > lengthLimit) {
            throw new TProtocolException(TProtocolException.SIZE_LIMIT, "length " + length + " over the limit of " + lengthLimit);
        }
        getTransport().checkReadBytesAvailable(length);
        byte[] bytes = new byte[length];
        getTransport().readAll(bytes, 0, length);
        return bytes;
    }
}
