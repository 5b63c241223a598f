package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.client.AtelierClient;
import atelier.bridge.thrift.Atelier;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.NotFound;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Picture;
import atelier.bridge.thrift.PixelFormat;
import atelier.bridge.thrift.Unauthorized;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.DaemonFixture;
import atelier.daemon.DaemonPerTestClass;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TStruct;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.layered.TFramedTransport;
import org.junit.jupiter.api.Test;

/** Every kind of bad request gets a typed error naming the field, and the same daemon keeps serving. */
class BadInputTest extends DaemonPerTestClass {





    static Picture rgba(int width, int height) {
        byte[] pixels = new byte[width * height * 4];
        Arrays.fill(pixels, (byte) 200);
        return new Picture(PixelFormat.RGBA8, width, height, ByteBuffer.wrap(pixels));
    }

    static Picture gray(int width, int height, int value) {
        byte[] pixels = new byte[width * height];
        Arrays.fill(pixels, (byte) value);
        return new Picture(PixelFormat.GRAY8, width, height, ByteBuffer.wrap(pixels));
    }

    static EditRequest fill(Picture image, Picture mask) {
        return new EditRequest(Operation.CONTENT_FILL, image).setMask(mask);
    }

    private static InvalidRequest refused(EditRequest request) throws Exception {
        try (AtelierClient client = fixture.client()) {
            return assertThrows(InvalidRequest.class, () -> client.submit(request));
        }
    }

    @Test
    void wrongTokenIsUnauthorizedOnEveryCall() throws Exception {
        try (AtelierClient client = fixture.clientWithToken("not-the-token")) {
            assertThrows(Unauthorized.class, client::capabilities);
            assertThrows(Unauthorized.class, () -> client.submit(fill(rgba(8, 8), gray(8, 8, 255))));
            assertThrows(Unauthorized.class, () -> client.status("x"));
            assertThrows(Unauthorized.class, () -> client.result("x"));
            assertThrows(Unauthorized.class, () -> client.cancel("x"));
        }
    }

    @Test
    void missingTokenIsUnauthorized() throws Exception {
        try (AtelierClient client = fixture.clientWithToken(null)) {
            assertThrows(Unauthorized.class, client::capabilities);
        }
    }

    @Test
    void maskOfAnotherSizeNamesTheMask() throws Exception {
        InvalidRequest e = refused(fill(rgba(16, 16), gray(16, 15, 255)));
        assertEquals("mask", e.getField());
        assertTrue(e.getReason().contains("16x15"), e.getReason());
    }

    @Test
    void zeroOrNegativeSizesNameTheSide() throws Exception {
        assertEquals("image.width", refused(fill(new Picture(PixelFormat.RGBA8, 0, 4, ByteBuffer.allocate(0)), gray(1, 1, 1))).getField());
        assertEquals("image.height", refused(fill(new Picture(PixelFormat.RGBA8, 4, -3, ByteBuffer.allocate(0)), gray(1, 1, 1))).getField());
        assertEquals("mask.width", refused(fill(rgba(4, 4), new Picture(PixelFormat.GRAY8, -1, 4, ByteBuffer.allocate(0)))).getField());
    }

    @Test
    void hundredMegapixelRawRequestIsOverTheLimitBeforeAnyPixelIsRead() throws Exception {
        InvalidRequest e = refused(fill(new Picture(PixelFormat.RGBA8, 10_000, 10_000, ByteBuffer.allocate(16)), gray(1, 1, 1)));
        assertEquals("image", e.getField());
        assertTrue(e.getReason().contains("over the limit"), e.getReason());
    }

    @Test
    void hundredMegapixelPngIsRefusedFromItsHeader() throws Exception {
        // A real 10000x10000 PNG of one colour compresses to a few hundred kilobytes.
        BufferedImage huge = new BufferedImage(10_000, 10_000, BufferedImage.TYPE_BYTE_BINARY);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(huge, "png", png);
        Picture picture = new Picture(PixelFormat.PNG, 0, 0, ByteBuffer.wrap(png.toByteArray()));
        InvalidRequest e = refused(fill(picture, gray(1, 1, 1)));
        assertEquals("image.data", e.getField());
        assertTrue(e.getReason().contains("100000000 pixels"), e.getReason());
    }

    @Test
    void truncatedPngNamesTheData() throws Exception {
        byte[] png = DaemonFixture.sample("meadow-ball.png");
        Picture truncated = new Picture(PixelFormat.PNG, 0, 0, ByteBuffer.wrap(Arrays.copyOf(png, png.length / 2)));
        InvalidRequest e = refused(fill(truncated, gray(640, 420, 255)));
        assertEquals("image.data", e.getField());
        assertTrue(e.getReason().contains("truncated"), e.getReason());
    }

    @Test
    void bytesThatAreNotAPngAreRefused() throws Exception {
        Picture junk = new Picture(PixelFormat.PNG, 0, 0, ByteBuffer.wrap("GIF89a, certainly not a PNG file".getBytes()));
        assertEquals("image.data", refused(fill(junk, gray(1, 1, 1))).getField());
    }

    @Test
    void byteCountThatDoesNotMatchTheSizeNamesTheData() throws Exception {
        InvalidRequest e = refused(fill(new Picture(PixelFormat.RGBA8, 10, 10, ByteBuffer.allocate(399)), gray(10, 10, 255)));
        assertEquals("image.data", e.getField());
        assertTrue(e.getReason().contains("399 bytes"), e.getReason());
        assertEquals("mask.data", refused(fill(rgba(10, 10), new Picture(PixelFormat.GRAY8, 10, 10, ByteBuffer.allocate(101)))).getField());
    }

    @Test
    void missingOperationIsNamed() throws Exception {
        EditRequest request = new EditRequest();
        request.setImage(rgba(4, 4));
        assertEquals("operation", refused(request).getField());
    }

    @Test
    void unknownOperationNumberGetsATypedErrorNotAProtocolError() throws Exception {
        // Write submit() by hand with operation = 42, which no client library can produce.
        try (TSocket socket = new TSocket("127.0.0.1", fixture.daemon.port())) {
            TFramedTransport transport = new TFramedTransport(socket);
            transport.open();
            TProtocol out = new TBinaryProtocol(transport);
            out.writeMessageBegin(new TMessage("submit", TMessageType.CALL, 0));
            out.writeStructBegin(new TStruct("submit_args"));
            out.writeFieldBegin(new TField("token", TType.STRING, (short) 1));
            out.writeString(fixture.home.readToken());
            out.writeFieldEnd();
            out.writeFieldBegin(new TField("request", TType.STRUCT, (short) 2));
            out.writeStructBegin(new TStruct("EditRequest"));
            out.writeFieldBegin(new TField("operation", TType.I32, (short) 1));
            out.writeI32(42);
            out.writeFieldEnd();
            out.writeFieldBegin(new TField("image", TType.STRUCT, (short) 2));
            rgba(2, 2).write(out);
            out.writeFieldEnd();
            out.writeFieldStop();
            out.writeStructEnd();
            out.writeFieldEnd();
            out.writeFieldStop();
            out.writeStructEnd();
            out.writeMessageEnd();
            transport.flush();
            Atelier.Client reader = new Atelier.Client(new TBinaryProtocol(transport));
            InvalidRequest e = assertThrows(InvalidRequest.class, reader::recv_submit);
            assertEquals("operation", e.getField());
        }
    }

    @Test
    void outOfRangeNumbersNameTheirField() throws Exception {
        assertEquals("strength", refused(fill(rgba(8, 8), gray(8, 8, 255)).setStrength(1.5)).getField());
        assertEquals("strength", refused(fill(rgba(8, 8), gray(8, 8, 255)).setStrength(Double.NaN)).getField());
        assertEquals("steps", refused(fill(rgba(8, 8), gray(8, 8, 255)).setSteps(0)).getField());
        assertEquals("steps", refused(fill(rgba(8, 8), gray(8, 8, 255)).setSteps(151)).getField());
        assertEquals("variants", refused(fill(rgba(8, 8), gray(8, 8, 255)).setVariants(0)).getField());
        assertEquals("variants", refused(fill(rgba(8, 8), gray(8, 8, 255)).setVariants(9)).getField());
        assertEquals("prompt", refused(fill(rgba(8, 8), gray(8, 8, 255)).setPrompt("x".repeat(2001))).getField());
    }

    @Test
    void samplingSettingsOutOfRangeNameTheirField() throws Exception {
        assertEquals("scheduler", refused(fill(rgba(8, 8), gray(8, 8, 255)).setScheduler("heun++")).getField());
        assertEquals("guidance", refused(fill(rgba(8, 8), gray(8, 8, 255)).setGuidance(0.5)).getField());
        assertEquals("guidance", refused(fill(rgba(8, 8), gray(8, 8, 255)).setGuidance(Double.POSITIVE_INFINITY)).getField());
        assertEquals("maskGrow", refused(fill(rgba(8, 8), gray(8, 8, 255)).setMaskGrow(-1)).getField());
        assertEquals("maskFeather", refused(fill(rgba(8, 8), gray(8, 8, 255)).setMaskFeather(129)).getField());
        assertEquals("loras", refused(fill(rgba(8, 8), gray(8, 8, 255)).setLoras(java.util.List.of(
                new atelier.bridge.thrift.LoraChoice("style").setWeight(3)))).getField());
        assertEquals("loras", refused(fill(rgba(8, 8), gray(8, 8, 255)).setLoras(java.util.Collections.nCopies(9,
                new atelier.bridge.thrift.LoraChoice("style")))).getField());
        assertEquals("loras", refused(fill(rgba(8, 8), gray(8, 8, 255)).setLoras(java.util.List.of(
                new atelier.bridge.thrift.LoraChoice(" ")))).getField());
    }

    @Test
    void emptyOrFullSelectionIsRefusedForFill() throws Exception {
        assertEquals("mask", refused(fill(rgba(8, 8), gray(8, 8, 0))).getField());
        assertEquals("mask", refused(fill(rgba(8, 8), gray(8, 8, 255))).getField());
        assertEquals("mask", refused(new EditRequest(Operation.CONTENT_FILL, rgba(8, 8))).getField());
    }

    @Test
    void inpaintWithoutAModelIsUnsupportedAndSaysWhatWouldEnableIt() throws Exception {
        try (AtelierClient client = fixture.client()) {
            for (Operation operation : new Operation[] {Operation.INPAINT}) {
                Unsupported e = assertThrows(Unsupported.class,
                        () -> client.submit(new EditRequest(operation, rgba(8, 8)).setMask(gray(8, 8, 255))));
                assertEquals(operation, e.getOperation());
                assertTrue(e.getHowToEnable().contains("needs"), e.getHowToEnable());
            }
        }
    }

    @Test
    void unknownEngineNameIsUnsupportedAndListsTheEngines() throws Exception {
        EditRequest request = fill(rgba(8, 8), gray(8, 8, 0)).setEngine("sd15-inpainting");
        try (AtelierClient client = fixture.client()) {
            Unsupported e = assertThrows(Unsupported.class, () -> client.submit(request));
            assertEquals("sd15-inpainting", e.getEngine());
            assertTrue(e.getHowToEnable().contains("telea"), e.getHowToEnable());
        }
    }

    @Test
    void statusResultAndCancelOfAnUnknownJobAreNotFound() throws Exception {
        try (AtelierClient client = fixture.client()) {
            assertThrows(NotFound.class, () -> client.status("no-such-job"));
            assertThrows(NotFound.class, () -> client.result("no-such-job"));
            NotFound e = assertThrows(NotFound.class, () -> client.cancel("no-such-job"));
            assertEquals("no-such-job", e.getJobId());
        }
    }

    @Test
    void negativeStringLengthOnTheWireIsAProtocolErrorNotACrash() throws Exception {
        // The fuzzer's find: libthrift 0.17 alone throws StringIndexOutOfBoundsException here.
        try (TSocket socket = new TSocket("127.0.0.1", fixture.daemon.port())) {
            TFramedTransport transport = new TFramedTransport(socket);
            transport.open();
            TProtocol out = new TBinaryProtocol(transport);
            out.writeMessageBegin(new TMessage("capabilities", TMessageType.CALL, 0));
            out.writeStructBegin(new TStruct("capabilities_args"));
            out.writeFieldBegin(new TField("token", TType.STRING, (short) 1));
            out.writeI32(-16711681);
            out.getTransport().write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
            out.writeMessageEnd();
            transport.flush();
            Atelier.Client reader = new Atelier.Client(new TBinaryProtocol(transport));
            org.apache.thrift.TApplicationException e = assertThrows(org.apache.thrift.TApplicationException.class,
                    reader::recv_capabilities);
            assertEquals(org.apache.thrift.TApplicationException.PROTOCOL_ERROR, e.getType());
        }
    }

    @Test
    void garbageBytesOnTheSocketOnlyCloseThatConnection() throws Exception {
        try (Socket raw = new Socket("127.0.0.1", fixture.daemon.port())) {
            raw.getOutputStream().write(new byte[] {0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3, 4, 5, 6});
            raw.getOutputStream().flush();
            assertEquals(-1, raw.getInputStream().read(), "the daemon should hang up on a frame over the size limit");
        }
    }

    @Test
    void clientThatDisconnectsMidMessageLeavesTheDaemonServing() throws Exception {
        try (Socket raw = new Socket("127.0.0.1", fixture.daemon.port())) {
            // Announce a 1000-byte frame, send 10 bytes of it, and hang up.
            raw.getOutputStream().write(new byte[] {0, 0, 0x03, (byte) 0xE8, (byte) 0x80, 1, 0, 1, 0, 0, 0, 6, 's', 'u'});
            raw.getOutputStream().flush();
        }
    }
}
