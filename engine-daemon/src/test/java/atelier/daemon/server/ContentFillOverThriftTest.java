package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.JobListener;
import atelier.bridge.thrift.Busy;
import atelier.bridge.thrift.Cancelled;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.JobStatus;
import atelier.bridge.thrift.Layer;
import atelier.bridge.thrift.LayerRole;
import atelier.bridge.thrift.NoResult;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.PixelFormat;
import atelier.daemon.DaemonFixture;
import atelier.daemon.Pictures;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Mask;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** content-fill through a real daemon on loopback, as a plugin would use it. */
class ContentFillOverThriftTest {

    @TempDir
    Path home;

    private static EditRequest fillMeadow() throws Exception {
        return new EditRequest(Operation.CONTENT_FILL, Pictures.raw(Pictures.meadow())).setMask(Pictures.raw(Pictures.meadowSelection()));
    }

    /** Telea on a million-pixel hole: a job that reliably runs for a second or more. */
    private static EditRequest slowFill() {
        return new EditRequest(Operation.CONTENT_FILL, Pictures.raw(Pictures.gradient(2000)))
                .setMask(Pictures.raw(Pictures.centredHole(2000, 0.5))).setEngine("telea");
    }

    @Test
    void fillRemovesTheBallAndReturnsOnlyTheChangedRegion() throws Exception {
        Raster original = Pictures.meadow();
        Mask selection = Pictures.meadowSelection();
        try (DaemonFixture fixture = new DaemonFixture(home); AtelierClient client = fixture.client()) {
            List<JobStatus> seen = new ArrayList<>();
            EditResult result = client.edit(fillMeadow().setSeed(7), new JobListener() {
                @Override
                public void progress(JobStatus status) {
                    seen.add(status);
                }
            });
            assertEquals(JobState.SUCCEEDED, seen.get(seen.size() - 1).getState());
            assertEquals(1, result.getLayersSize());
            assertEquals("patchmatch", result.getEngine(), "the embedded default");
            Layer layer = result.getLayers().get(0);
            assertEquals(LayerRole.PATCH, layer.getRole());
            assertEquals(7, layer.getSeed());
            assertEquals(selection.bounds().x(), layer.getX());
            assertEquals(selection.bounds().y(), layer.getY());
            Raster patch = Raster.wrap(new Extent(layer.getPixels().getWidth(), layer.getPixels().getHeight()), layer.getPixels().getData());
            assertEquals(selection.bounds().extent(), patch.extent());
            int red = 0;
            for (int y = 0; y < patch.height(); y++) {
                for (int x = 0; x < patch.width(); x++) {
                    int ox = layer.getX() + x, oy = layer.getY() + y;
                    if (selection.at(ox, oy) == 0) {
                        for (int c = 0; c < 4; c++) {
                            assertEquals(original.channel(ox, oy, c), patch.channel(x, y, c), "unselected pixel " + ox + "," + oy);
                        }
                    } else if (selection.at(ox, oy) == 255 && patch.channel(x, y, 0) > patch.channel(x, y, 1) + 30) {
                        red++;
                    }
                }
            }
            assertEquals(0, red, "red ball pixels left in the filled hole");
        }
    }

    @Test
    void wholeCanvasPngResultKeepsEveryUnselectedPixel() throws Exception {
        Raster original = Pictures.meadow();
        Mask selection = Pictures.meadowSelection();
        try (DaemonFixture fixture = new DaemonFixture(home); AtelierClient client = fixture.client()) {
            EditRequest request = new EditRequest(Operation.CONTENT_FILL, Pictures.png(DaemonFixture.sample("meadow-ball.png")))
                    .setMask(Pictures.png(DaemonFixture.sample("meadow-ball-mask.png")))
                    .setWholeCanvas(true).setResultFormat(PixelFormat.PNG);
            Layer layer = client.edit(request, JobListener.SILENT).getLayers().get(0);
            Raster out = PngCodec.decodeRgba(layer.getPixels().getData(), Long.MAX_VALUE);
            assertEquals(original.extent(), out.extent());
            for (int y = 0; y < out.height(); y++) {
                for (int x = 0; x < out.width(); x++) {
                    if (selection.at(x, y) == 0) {
                        for (int c = 0; c < 4; c++) {
                            assertEquals(original.channel(x, y, c), out.channel(x, y, c));
                        }
                    }
                }
            }
            assertTrue(!out.equals(original), "the selection should have changed");
        }
    }

    @Test
    void resultSurvivesTheClientDisconnectingMidJob() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(home)) {
            String jobId;
            try (AtelierClient client = fixture.client()) {
                jobId = client.submit(slowFill());
            }
            try (AtelierClient later = fixture.client()) {
                JobStatus status;
                do {
                    Thread.sleep(50);
                    status = later.status(jobId);
                } while (status.getState() == JobState.QUEUED || status.getState() == JobState.RUNNING);
                assertEquals(JobState.SUCCEEDED, status.getState());
                EditResult first = later.result(jobId);
                EditResult again = later.result(jobId);
                assertArrayEquals(first.getLayers().get(0).getPixels().getData(), again.getLayers().get(0).getPixels().getData());
            }
        }
    }

    @Test
    void cancelledJobsHaveNoResultWhetherQueuedOrFinished() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(home); AtelierClient client = fixture.client()) {
            String running = client.submit(slowFill());
            String queued = client.submit(slowFill());
            assertEquals(JobState.QUEUED, client.status(queued).getState());
            assertEquals(1, client.status(queued).getQueuePosition());
            client.cancel(queued);
            assertEquals(JobState.CANCELLED, client.status(queued).getState());
            assertThrows(Cancelled.class, () -> client.result(queued));
            assertThrows(NoResult.class, () -> client.result(running), "a running job has no result yet");
            client.cancel(running);
            JobStatus status;
            do {
                Thread.sleep(50);
                status = client.status(running);
            } while (status.getState() == JobState.RUNNING);
            assertEquals(JobState.CANCELLED, status.getState(), "cancel takes effect at the engine's next step");
            assertThrows(Cancelled.class, () -> client.result(running));
        }
    }

    @Test
    void fullQueueAnswersBusyAndTheDaemonRecovers() throws Exception {
        Limits twoJobs = new Limits(Limits.DEFAULT.maxPixels(), Limits.DEFAULT.maxMessageBytes(), 8, 150, 2000, 2, 2, 4096);
        try (DaemonFixture fixture = new DaemonFixture(home, twoJobs, 1); AtelierClient client = fixture.client()) {
            String first = client.submit(slowFill());
            String second = client.submit(slowFill());
            Busy busy = assertThrows(Busy.class, () -> client.submit(slowFill()));
            assertTrue(busy.getRetryAfterMillis() > 0);
            client.cancel(first);
            client.cancel(second);
            while (client.status(first).getState() == JobState.RUNNING) {
                Thread.sleep(50);
            }
            assertEquals(JobState.SUCCEEDED, client.edit(fillMeadow(), JobListener.SILENT).isSetLayers()
                    ? JobState.SUCCEEDED : JobState.FAILED);
        }
    }

    @Test
    void requestLargerThanThriftsDefaultLimitIsAccepted() throws Exception {
        // 5300 x 5300 RGBA is 112 MB, over Thrift's built-in 100 MB cap and under the daemon's.
        int size = 5300;
        Raster big = Pictures.gradient(size);
        Mask spot = Mask.empty(new Extent(size, size));
        for (int y = 100; y < 120; y++) {
            for (int x = 100; x < 120; x++) {
                spot.set(x, y, 255);
            }
        }
        try (DaemonFixture fixture = new DaemonFixture(home); AtelierClient client = fixture.client()) {
            EditResult result = client.edit(new EditRequest(Operation.CONTENT_FILL, Pictures.raw(big)).setMask(Pictures.raw(spot)),
                    JobListener.SILENT);
            assertEquals(size, result.getCanvasWidth());
            assertEquals(20, result.getLayers().get(0).getPixels().getWidth());
        }
    }

    @Test
    void tokenFileIsReadableByItsOwnerOnly() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(home)) {
            Path token = fixture.home.tokenFile();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token.getParent())));
            assertTrue(fixture.home.readToken().length() >= 64);
        }
        try (DaemonFixture restarted = new DaemonFixture(home)) {
            assertEquals(Files.readString(restarted.home.tokenFile()).trim(), restarted.home.readToken(),
                    "a restart keeps the token, so configured plugins keep working");
        }
    }
}
