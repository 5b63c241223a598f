package atelier.daemon.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TProtocolException;
import org.apache.thrift.protocol.TProtocolFactory;
import org.apache.thrift.protocol.TStruct;
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

    /**
     * The i32 values of the call being read, by the field ids leading to them ("2.12": field 12
     * of argument 2). An enum field holding a number the contract does not know comes out of
     * Thrift's generated code as unset, so this is how a request's check can tell "unknown"
     * from "not sent". One connection is served by one thread, so it is per thread.
     */
    private static final ThreadLocal<Map<String, Integer>> CALL_INTEGERS = ThreadLocal.withInitial(HashMap::new);
    private final int[] fieldPath = new int[64];
    private int depth;

    /** The i32 values read for the current call on this thread, by field path. */
    static Map<String, Integer> callIntegers() {
        return CALL_INTEGERS.get();
    }

    @Override
    public TMessage readMessageBegin() throws TException {
        CALL_INTEGERS.get().clear();
        depth = 0;
        return super.readMessageBegin();
    }

    /**
     * Structs nested deeper than the contract ever nests are a protocol error: skipping an
     * unknown field recurses once a level, and 100,000 levels overflow a server thread's stack.
     * (TProtocolUtil's own skip-depth limit throws a plain TException, which Thrift's processor
     * logs with its stack and answers by closing; this one is answered as a protocol error.)
     */
    static final int MAX_NESTING = 64;

    @Override
    public TStruct readStructBegin() throws TException {
        if (++depth > MAX_NESTING) {
            throw new TProtocolException(TProtocolException.DEPTH_LIMIT, "struct nesting depth over " + MAX_NESTING);
        }
        return super.readStructBegin();
    }

    @Override
    public void readStructEnd() throws TException {
        depth--;
        super.readStructEnd();
    }

    @Override
    public TField readFieldBegin() throws TException {
        TField field = super.readFieldBegin();
        if (depth > 0 && depth <= fieldPath.length) {
            fieldPath[depth - 1] = field.id;
        }
        return field;
    }

    @Override
    public int readI32() throws TException {
        int value = super.readI32();
        if (depth > 0 && depth <= 4) {
            StringBuilder path = new StringBuilder();
            for (int d = 0; d < depth; d++) {
                path.append(d == 0 ? "" : ".").append(fieldPath[d]);
            }
            CALL_INTEGERS.get().put(path.toString(), value);
        }
        return value;
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
