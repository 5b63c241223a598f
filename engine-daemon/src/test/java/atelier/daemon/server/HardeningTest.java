package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.AtelierHome;
import atelier.bridge.thrift.Atelier;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.JobStatus;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Picture;
import atelier.bridge.thrift.PixelFormat;
import atelier.bridge.thrift.Unauthorized;
import atelier.daemon.DaemonFixture;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.layered.TFramedTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faults found by trying the daemon as an attacker and as a user with a full disk would:
 * each against a real daemon on loopback, with real files.
 */
class HardeningTest {

    @TempDir
    Path root;

    // ---- 1. private results ----

    @Test
    void theSpoolAndTheTokenAreTheUsersAloneWhateverTheUmask() throws Exception {
        AtelierHome home = AtelierHome.under(root);
        // An older Atelier left a readable spool behind.
        Files.createDirectories(home.spoolDir());
        Files.setPosixFilePermissions(home.spoolDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path old = Files.writeString(home.spoolDir().resolve("old.result"), "a picture");
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-r--r--"));
        try (DaemonFixture fixture = new DaemonFixture(root); AtelierClient client = fixture.client()) {
            EditResult result = client.edit(fill(64), atelier.bridge.client.JobListener.SILENT);
            assertFalse(result.getLayers().isEmpty());
            for (Path dir : List.of(home.configDir(), home.stateDir(), home.spoolDir())) {
                assertEquals("rwx------", mode(dir), dir.toString());
            }
            assertEquals("rw-------", mode(home.tokenFile()));
            try (Stream<Path> files = Files.list(home.spoolDir())) {
                List<Path> all = files.toList();
                assertTrue(all.stream().anyMatch(f -> f.toString().endsWith(".result") && !f.equals(old)), all.toString());
                for (Path file : all) {
                    assertEquals("rw-------", mode(file), file.toString());
                }
            }
            assertOtherUserCannotRead(home.spoolDir().resolve("old.result"));
        }
    }

    /** Where the machine allows (root, as in CI), a second account really tries to read the file. */
    private static void assertOtherUserCannotRead(Path file) throws Exception {
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/sbin/runuser"))) {
            return; // the modes above are the check
        }
        run("/usr/sbin/useradd", "--system", "--no-create-home", "atelier-other");
        // Let the other user walk down to the spool, as they could to any directory of the home.
        for (Path p = file.getParent().getParent(); p != null; p = p.getParent()) {
            if (!mode(p).endsWith("x")) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode(p).substring(0, 8) + "x"));
            }
        }
        Process reader = new ProcessBuilder("/usr/sbin/runuser", "-u", "atelier-other", "--", "cat", file.toString())
                .redirectErrorStream(true).start();
        String said = new String(reader.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, reader.waitFor(), "another user read the spool: " + said);
        assertTrue(said.contains("Permission denied"), said);
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(); // exit 9: the user exists already
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    // ---- 2. memory before auth ----

    @Test
    void eightSilentConnectionsDeclaringHugeFramesHoldAlmostNothing() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(root)) {
            long before = usedHeap();
            List<Socket> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket s = new Socket("127.0.0.1", fixture.daemon.port());
                    new DataOutputStream(s.getOutputStream()).writeInt(256 * 1024 * 1024 - 1);
                    s.getOutputStream().flush();
                    silent.add(s);
                }
                Thread.sleep(1000);
                long grown = usedHeap() - before;
                System.out.printf("8 silent connections declaring 256 MiB frames: heap grew by %.1f MB%n", grown / 1e6);
                assertTrue(grown < 100L << 20, "8 silent connections grew the heap by " + (grown >> 20) + " MB");
                // The daemon still serves its own user meanwhile.
                try (AtelierClient client = fixture.client()) {
                    assertFalse(client.capabilities().getOperations().isEmpty());
                }
            } finally {
                for (Socket s : silent) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aWrongTokenWithAHugeImageIsUnauthorizedWithoutTheImageBeingKept() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(root)) {
            byte[] pixels = new byte[40 << 20];
            EditRequest big = new EditRequest(Operation.CONTENT_FILL,
                    new Picture(PixelFormat.RGBA8, 3240, 3236, ByteBuffer.wrap(pixels, 0, 3240 * 3236 * 4)));
            try (AtelierClient stranger = fixture.clientWithToken("not-the-token")) {
                assertThrows(Unauthorized.class, () -> stranger.submit(big));
                // The same connection can go on asking (and being refused).
                assertThrows(Unauthorized.class, stranger::capabilities);
            }
            try (AtelierClient noToken = fixture.clientWithToken(null)) {
                assertThrows(Unauthorized.class, noToken::capabilities);
            }
        }
    }

    private static long usedHeap() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }

    // ---- 3. deep nesting ----

    @Test
    void anUnknownFieldNestedAHundredThousandDeepIsAProtocolErrorAndTheDaemonServesOn() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(root)) {
            String token = fixture.home.readToken();
            ByteArrayOutputStream call = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(call);
            out.writeInt(0x80010001); // strict binary protocol, CALL
            byte[] name = "capabilities".getBytes(StandardCharsets.US_ASCII);
            out.writeInt(name.length);
            out.write(name);
            out.writeInt(1);
            out.writeByte(11); // field 1: the token, a string
            out.writeShort(1);
            out.writeInt(token.length());
            out.write(token.getBytes(StandardCharsets.US_ASCII));
            for (int depth = 0; depth < 100_000; depth++) {
                out.writeByte(12); // an unknown struct field holding the next one
                out.writeShort(99);
            }
            for (int depth = 0; depth <= 100_000; depth++) {
                out.writeByte(0);
            }
            try (Socket s = new Socket("127.0.0.1", fixture.daemon.port())) {
                s.setSoTimeout(30_000);
                DataOutputStream wire = new DataOutputStream(s.getOutputStream());
                wire.writeInt(call.size());
                call.writeTo(wire);
                wire.flush();
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] reply = new byte[in.readInt()];
                in.readFully(reply);
                assertEquals(3, ByteBuffer.wrap(reply).getInt() & 0xFF, "the answer is an EXCEPTION message");
                assertTrue(new String(reply, StandardCharsets.ISO_8859_1).toLowerCase().contains("depth"),
                        "it says the nesting was too deep");
            }
            try (AtelierClient client = fixture.client()) {
                assertFalse(client.capabilities().getOperations().isEmpty());
            }
        }
    }

    // ---- 7. unknown enum values ----

    @Test
    void enumNumbersTheContractDoesNotKnowAreRefusedNamingTheField() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(root)) {
            assertEquals("resultFormat", refusedWith(fixture, fill(16).setResultFormat(PixelFormat.RGBA8), 13, 77).getField());
            EditRequest colorize = new EditRequest(Operation.COLORIZE, fill(16).getImage()).setFlats(FlatsOutput.MERGED);
            assertEquals("flats", refusedWith(fixture, colorize, 17, 9).getField());
        }
    }

    /** Submits the request with the i32 of one EditRequest field replaced on the wire. */
    private static InvalidRequest refusedWith(DaemonFixture fixture, EditRequest request, int fieldId, int value) throws Exception {
        try (TSocket socket = new TSocket("127.0.0.1", fixture.daemon.port())) {
            TFramedTransport transport = new TFramedTransport(socket, 1 << 28);
            transport.open();
            TBinaryProtocol out = new TBinaryProtocol(transport) {
                private short field;

                @Override
                public void writeFieldBegin(TField f) throws org.apache.thrift.TException {
                    field = f.id;
                    super.writeFieldBegin(f);
                }

                @Override
                public void writeI32(int i) throws org.apache.thrift.TException {
                    // Field ids are per struct; a Picture's width (2) or format (1) never collides with 13 or 17.
                    super.writeI32(field == fieldId ? value : i);
                }
            };
            Atelier.Client client = new Atelier.Client(new TBinaryProtocol(transport), out);
            InvalidRequest e = assertThrows(InvalidRequest.class, () -> client.submit(fixture.home.readToken(), request));
            assertTrue(e.getReason().contains("unknown value " + value), e.getReason());
            return e;
        }
    }

    // ---- 8. counting a prompt ----

    @Test
    void aPromptIsCountedInCharactersAsAPersonCountsThem() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(root); AtelierClient client = fixture.client()) {
            // 1000 emoji and 1000 letters: 2000 characters, within the limit, though Java stores 3000 units.
            String prompt = "\uD83C\uDFA8".repeat(1000) + "a".repeat(1000);
            EditRequest request = fill(16).setPrompt(prompt);
            assertTrue(Limits.DEFAULT.maxPromptChars() >= 2000 && Limits.DEFAULT.maxPromptChars() < 3000);
            // Accepted; and waited for, so that nothing is still being written when the test's folder goes.
            assertEquals(JobState.SUCCEEDED, waitFor(client, client.submit(request)).getState());
        }
    }

    // ---- 9. memory per request ----

    @Test
    void largePicturesAreDecodedOnTheWorkerAndTheQueueHoldsAtMostTheDecodingBudget() throws Exception {
        // As reported: 8192x4096 16-bit PNGs of a few hundred kB each, 134 MB decoded (with their mask, 168 MB).
        byte[] image = flatPng(8192, 4096, 6, 16);
        byte[] emptySelection = flatPng(8192, 4096, 0, 8);
        assertTrue(image.length < 2_000_000, image.length + " bytes");
        EditRequest request = new EditRequest(Operation.CONTENT_FILL, new Picture(PixelFormat.PNG, 0, 0, ByteBuffer.wrap(image)))
                .setMask(new Picture(PixelFormat.PNG, 0, 0, ByteBuffer.wrap(emptySelection)));
        try (DaemonFixture fixture = new DaemonFixture(root); AtelierClient one = fixture.client();
             AtelierClient two = fixture.client()) {
            // Accepted at once: the empty selection is only seen once the mask is decoded, on the worker.
            String first = one.submit(request);
            List<String> queued = new ArrayList<>();
            String busy = null;
            int accepted = 1;
            for (int i = 0; i < 12 && busy == null; i++) {
                try {
                    queued.add((i % 2 == 0 ? two : one).submit(request));
                    accepted++;
                } catch (atelier.bridge.thrift.Busy e) {
                    busy = e.getMessage();
                }
            }
            assertTrue(busy != null && busy.contains("decoded"), "no Busy after " + accepted + " large pictures: " + busy);
            assertTrue(accepted <= 7, accepted + " pictures of 168 MB were queued under a 1 GB budget");
            assertEquals(JobState.FAILED, waitFor(one, first).getState());
            InvalidRequest refused = assertThrows(InvalidRequest.class, () -> one.result(first));
            assertEquals("mask", refused.getField());
            assertTrue(one.status(first).getError().startsWith("invalid request: mask"), one.status(first).getError());
            // Leave no decoding behind for the next test's memory figures.
            for (String job : queued) {
                one.cancel(job);
            }
            for (String job : queued) {
                waitFor(one, job);
            }
        }
    }

    /** A PNG of one flat colour, every sample {@code value}: colour type 6 (RGBA) or 0 (grey), 8 or 16 bits. */
    static byte[] flatPng(int width, int height, int colourType, int bits) throws IOException {
        int channels = colourType == 6 ? 4 : 1;
        int rowBytes = width * channels * bits / 8;
        java.util.zip.Deflater deflater = new java.util.zip.Deflater(1);
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        byte[] row = new byte[1 + rowBytes];
        java.util.Arrays.fill(row, 1, row.length, (byte) (colourType == 6 ? 0x80 : 0));
        byte[] buffer = new byte[1 << 16];
        for (int y = 0; y < height; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) {
                idat.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            idat.write(buffer, 0, deflater.deflate(buffer));
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(png, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bits).put((byte) colourType)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(png);
        out.writeInt(data.length);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.write(name);
        out.write(data);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    // ---- 4. a full disk ----

    @Test
    void aResultTooBigForTheDiskFailsNamingTheSpaceAndLeavesNothingBehind() throws Exception {
        Path small = root.resolve("small");
        Files.createDirectories(small);
        assumeTrue(mount(small), "needs root to mount a 2 MB tmpfs (CI runs as root)");
        try {
            try (DaemonFixture fixture = new DaemonFixture(small); AtelierClient client = fixture.client()) {
                // Noise compresses to nothing: a 1200x1200 fill is a result of about 5 MB.
                String big = client.submit(noiseFill(1200));
                JobStatus status = waitFor(client, big);
                assertEquals(JobState.FAILED, status.getState());
                assertTrue(status.getError().contains("no space left for the result") && status.getError().contains("MB needed"),
                        status.getError());
                assertEquals(List.of(), partials(fixture.home.spoolDir()));
                // A job that fits still works after it.
                assertEquals(JobState.SUCCEEDED, waitFor(client, client.submit(fill(64))).getState());
            }
            // Fill the disk to the last byte: the daemon still starts, and says how much room there is.
            Path filler = small.resolve("filler");
            try (OutputStream out = Files.newOutputStream(filler)) {
                byte[] block = new byte[4096];
                while (true) {
                    out.write(block);
                }
            } catch (IOException full) {
                // the disk is full now
            }
            Files.writeString(AtelierHome.under(small).spoolDir().resolve("x.result.partial"), "", java.nio.file.StandardOpenOption.CREATE);
            try (DaemonFixture again = new DaemonFixture(small); AtelierClient client = again.client()) {
                assertFalse(client.capabilities().getOperations().isEmpty());
                assertEquals(List.of(), partials(again.home.spoolDir()), "stale partials are cleaned at start");
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor();
        }
    }

    private static boolean mount(Path dir) throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            return false;
        }
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    private static List<Path> partials(Path spool) throws IOException {
        try (Stream<Path> files = Files.list(spool)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".partial")).toList();
        }
    }

    private static JobStatus waitFor(AtelierClient client, String job) throws Exception {
        for (int i = 0; i < 600; i++) {
            JobStatus status = client.status(job);
            if (status.getState() != JobState.QUEUED && status.getState() != JobState.RUNNING) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + job + " did not finish");
    }

    // ---- pictures ----

    static EditRequest fill(int side) {
        byte[] rgba = new byte[side * side * 4];
        java.util.Arrays.fill(rgba, (byte) 180);
        byte[] mask = new byte[side * side];
        for (int y = side / 4; y < side / 2; y++) {
            java.util.Arrays.fill(mask, y * side + side / 4, y * side + side / 2, (byte) 255);
        }
        return new EditRequest(Operation.CONTENT_FILL, new Picture(PixelFormat.RGBA8, side, side, ByteBuffer.wrap(rgba)))
                .setMask(new Picture(PixelFormat.GRAY8, side, side, ByteBuffer.wrap(mask)));
    }

    static EditRequest noiseFill(int side) {
        EditRequest request = fill(side);
        byte[] rgba = request.getImage().getData();
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < rgba.length; i++) {
            rgba[i] = (byte) (i % 4 == 3 ? 255 : random.nextInt(256));
        }
        request.getImage().setData(rgba);
        request.setWholeCanvas(true);
        request.setEngine("telea");
        return request;
    }
}
