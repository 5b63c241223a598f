package atelier.daemon.server;

import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.Extension;
import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Picture;
import atelier.bridge.thrift.PixelFormat;
import atelier.daemon.image.PngCodec;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TException;
import org.apache.thrift.transport.TMemoryInputTransport;

/**
 * Coverage-guided fuzzing (Jazzer) of everything a request's bytes reach before a job is
 * queued: the Thrift structure, the checks, the PNG decoders. The only acceptable failure is
 * the typed one. Without JAZZER_FUZZ these run the kept corpus under
 * src/test/resources/atelier/daemon/server/RequestFuzzTestInputs as regression tests;
 * .ci/run fuzzes each for a bounded time, and any crash found lands in that corpus.
 */
class RequestFuzzTest {

    /** Small limits, so the fuzzer explores logic rather than memory. */
    private static final Limits LIMITS = new Limits(1 << 16, 1 << 22, 8, 150, 2000, 16, 8, 64);

    @FuzzTest(maxDuration = "20s")
    void requestChecksRefuseWithATypedErrorOrAccept(FuzzedDataProvider data) {
        EditRequest request = new EditRequest();
        if (data.consumeBoolean()) {
            request.setOperation(Operation.findByValue(data.consumeInt(0, 6)));
        }
        request.setImage(picture(data));
        if (data.consumeBoolean()) {
            request.setMask(picture(data));
        }
        if (data.consumeBoolean()) {
            request.setHints(picture(data));
        }
        if (data.consumeBoolean()) {
            request.setSampleFrom(picture(data));
        }
        if (data.consumeBoolean()) {
            request.setStrength(data.consumeRegularDouble());
        }
        if (data.consumeBoolean()) {
            request.setSteps(data.consumeInt());
        }
        if (data.consumeBoolean()) {
            request.setVariants(data.consumeInt());
        }
        if (data.consumeBoolean()) {
            request.setExtend(new Extension(data.consumeInt(), data.consumeInt(), data.consumeInt(), data.consumeInt()));
        }
        if (data.consumeBoolean()) {
            request.setAspectRatio(data.consumeDouble());
        }
        if (data.consumeBoolean()) {
            request.setGapClosing(data.consumeInt());
        }
        if (data.consumeBoolean()) {
            request.setFlats(FlatsOutput.findByValue(data.consumeInt(0, 4)));
        }
        if (data.consumeBoolean()) {
            request.setPrompt(data.consumeString(3000));
        }
        if (data.consumeBoolean()) {
            request.setEngine(data.consumeString(300));
        }
        try {
            new RequestDecoding(LIMITS, atelier.daemon.neural.diffusion.sampling.Scheduler.NAMES).decode(request);
        } catch (InvalidRequest expected) {
            // The typed refusal is the right answer to nonsense.
        }
    }

    @FuzzTest(maxDuration = "20s")
    void pngBytesDecodeOrFailAsBadPng(byte[] bytes) {
        try {
            PngCodec.decodeRgba(bytes, LIMITS.maxPixels());
        } catch (PngCodec.BadPng expected) {
            // refused with a sentence
        }
        try {
            PngCodec.decodeMask(bytes, LIMITS.maxPixels());
        } catch (PngCodec.BadPng expected) {
            // refused with a sentence
        }
    }

    @FuzzTest(maxDuration = "20s")
    void wireBytesOfARequestParseOrFailAsThriftErrors(byte[] bytes) {
        EditRequest request = new EditRequest();
        try {
            TConfiguration limits = TConfiguration.custom().setMaxMessageSize(LIMITS.maxMessageBytes()).build();
            // Read as the daemon reads: framed, so buffered, through its checked protocol.
            request.read(new CheckedBinaryProtocol(new TMemoryInputTransport(limits, bytes), LIMITS.maxMessageBytes(), 10_000));
        } catch (TException unreadable) {
            return; // the server answers a protocol error and closes that connection
        }
        try {
            new RequestDecoding(LIMITS, atelier.daemon.neural.diffusion.sampling.Scheduler.NAMES).decode(request);
        } catch (InvalidRequest expected) {
            // typed
        }
    }

    private static Picture picture(FuzzedDataProvider data) {
        PixelFormat format = PixelFormat.findByValue(data.consumeInt(0, 4));
        Picture picture = new Picture();
        if (format != null) {
            picture.setFormat(format);
        }
        picture.setWidth(data.consumeInt(-2, 300));
        picture.setHeight(data.consumeInt(-2, 300));
        if (data.consumeBoolean()) {
            picture.setData(ByteBuffer.wrap(data.consumeBytes(data.consumeInt(0, 4096))));
        }
        return picture;
    }
}
