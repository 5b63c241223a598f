package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.JobListener;
import atelier.bridge.thrift.Cancelled;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.Extension;
import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.PixelFormat;
import atelier.daemon.AtelierDaemon;
import atelier.daemon.DaemonFixture;
import atelier.daemon.Pictures;
import atelier.daemon.flats.LineArtScene;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import atelier.daemon.ops.EditOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many artists' plugins at once against one daemon: every result must be the one its own
 * request asked for, none lost, none twice, memory bounded. Prints the time jobs waited.
 */
class LoadTest {

    private static final int CLIENTS = 8;
    private static final int REQUESTS_EACH = 50;

    @TempDir
    Path home;

    /** A small request whose pixels are unique to (client, n), so a mixed-up result cannot pass. */
    static EditRequest request(int client, int n) {
        int id = client * 1000 + n;
        Raster picture = Pictures.gradient(48);
        for (int i = 0; i < picture.rgba().length; i += 4) {
            picture.rgba()[i + 2] = (byte) (id * 37);
        }
        Mask hole = Pictures.centredHole(48, 0.25);
        return switch (n % 5) {
            case 0 -> new EditRequest(Operation.CONTENT_FILL, Pictures.raw(picture)).setMask(Pictures.raw(hole)).setSeed(id);
            case 1 -> new EditRequest(Operation.CONTENT_FILL, Pictures.raw(picture)).setMask(Pictures.raw(hole)).setEngine("telea");
            case 2 -> new EditRequest(Operation.OUTPAINT, Pictures.raw(picture)).setExtend(new Extension(0, 8 + n % 7, 0, 4)).setSeed(id);
            case 3 -> new EditRequest(Operation.REMOVE_BACKGROUND, Pictures.raw(discOnWhite(id))).setSeed(id);
            default -> new EditRequest(Operation.COLORIZE, Pictures.raw(LineArtScene.shapes(64, 64, id, 2, 2)
                    .lineArt(LineArtScene.Ink.BLACK, id))).setSeed(id);
        };
    }

    private static Raster discOnWhite(int id) {
        Raster picture = Raster.blank(new Extent(48, 48));
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 48; x++) {
                int i = (y * 48 + x) * 4;
                boolean disc = Math.hypot(x - 24, y - 24) < 12 + id % 5;
                picture.rgba()[i] = (byte) (disc ? 40 + id % 150 : 255);
                picture.rgba()[i + 1] = (byte) (disc ? 90 : 255);
                picture.rgba()[i + 2] = (byte) (disc ? 200 - id % 100 : 255);
                picture.rgba()[i + 3] = (byte) 255;
            }
        }
        return picture;
    }

    /** What the daemon must answer: the same decoding, operation and encoding, run here. */
    static EditResult expected(EditRequest request) throws Exception {
        EditOrder order = new RequestDecoding(Limits.DEFAULT, atelier.daemon.neural.diffusion.sampling.Scheduler.NAMES).decode(request);
        return ResultEncoding.encode("expected", order.operation(), order.image(),
                AtelierDaemon.catalog(atelier.daemon.neural.InstalledModels.none()).edit(order.operation()).prepare(order).run(Progress.NONE), PixelFormat.RGBA8, false);
    }

    @Test
    void eightClientsTimesFiftyMixedRequestsEachGetTheirOwnResult() throws Exception {
        Runtime runtime = Runtime.getRuntime();
        try (DaemonFixture fixture = new DaemonFixture(home)) {
            System.gc();
            long heapBefore = runtime.totalMemory() - runtime.freeMemory();
            List<Long> queued = Collections.synchronizedList(new ArrayList<>());
            Set<String> jobIds = ConcurrentHashMap.newKeySet();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                done.add(clients.submit(() -> {
                    int checked = 0;
                    try (AtelierClient connection = fixture.client()) {
                        for (int n = 0; n < REQUESTS_EACH; n++) {
                            EditRequest request = request(client, n);
                            EditResult result = connection.edit(request, new JobListener() {
                                @Override
                                public void submitted(String jobId) {
                                    assertTrue(jobIds.add(jobId), "job id handed out twice: " + jobId);
                                }
                            });
                            EditResult expected = expected(request);
                            assertEquals(expected.getLayersSize(), result.getLayersSize());
                            for (int k = 0; k < expected.getLayersSize(); k++) {
                                assertArrayEquals(expected.getLayers().get(k).getPixels().getData(),
                                        result.getLayers().get(k).getPixels().getData(),
                                        "client " + client + " request " + n + " got someone else's pixels");
                            }
                            queued.add(Long.parseLong(result.getDetails().get("queued_ms")));
                            checked++;
                        }
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get(10, TimeUnit.MINUTES);
            }
            clients.shutdown();
            assertEquals(CLIENTS * REQUESTS_EACH, total);
            assertEquals(CLIENTS * REQUESTS_EACH, jobIds.size());
            System.gc();
            long grown = runtime.totalMemory() - runtime.freeMemory() - heapBefore;
            Collections.sort(queued);
            System.out.printf(Locale.ROOT, "load: %d clients x %d requests; time in queue p50 %d ms, p95 %d ms, max %d ms;"
                            + " heap grew %d MB%n", CLIENTS, REQUESTS_EACH, queued.get(queued.size() / 2),
                    queued.get(queued.size() * 95 / 100), queued.get(queued.size() - 1), grown / (1024 * 1024));
            assertTrue(grown < 256L * 1024 * 1024, "heap grew by " + grown / (1024 * 1024) + " MB over 400 jobs");
        }
    }

    @Test
    void aStormOfCancelsLeavesEveryJobCancelledOrCorrect() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(home)) {
            List<String> ids = Collections.synchronizedList(new ArrayList<>());
            List<EditRequest> requests = Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Future<?>> work = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                int client = c;
                work.add(pool.submit(() -> {
                    try (AtelierClient connection = fixture.client()) {
                        for (int n = 0; n < 12; n++) {
                            EditRequest request = request(client, n);
                            String id;
                            while (true) {
                                try {
                                    id = connection.submit(request);
                                    break;
                                } catch (atelier.bridge.thrift.Busy busy) {
                                    Thread.sleep(20);
                                }
                            }
                            synchronized (ids) {
                                ids.add(id);
                                requests.add(request);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (int c = 0; c < 3; c++) {
                int canceller = c;
                work.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(canceller);
                    try (AtelierClient connection = fixture.client()) {
                        for (int k = 0; k < 200; k++) {
                            String id;
                            synchronized (ids) {
                                id = ids.isEmpty() ? null : ids.get(random.nextInt(ids.size()));
                            }
                            if (id != null && random.nextInt(3) == 0) {
                                connection.cancel(id); // twice, thrice, finished or not: all must be safe
                            }
                            Thread.sleep(2);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            try (AtelierClient client = fixture.client()) {
                int cancelled = 0;
                for (int i = 0; i < ids.size(); i++) {
                    JobState state;
                    do {
                        Thread.sleep(10);
                        state = client.status(ids.get(i)).getState();
                    } while (state == JobState.QUEUED || state == JobState.RUNNING);
                    String id = ids.get(i);
                    if (state == JobState.CANCELLED) {
                        cancelled++;
                        assertThrows(Cancelled.class, () -> client.result(id));
                    } else {
                        assertEquals(JobState.SUCCEEDED, state);
                        EditResult expected = expected(requests.get(i));
                        assertArrayEquals(expected.getLayers().get(0).getPixels().getData(),
                                client.result(id).getLayers().get(0).getPixels().getData());
                    }
                }
                assertTrue(cancelled > 0, "the storm should have cancelled something");
                assertEquals(Operation.values().length, client.capabilities().getOperationsSize());
            }
        }
    }
}
