package atelier.daemon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.cli.AtelierCommand;
import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.AtelierHome;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.JobStatus;
import atelier.bridge.thrift.Operation;
import atelier.daemon.DaemonFixture;
import atelier.daemon.Pictures;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of the daemon mid-job, then a restart on the same spool: nothing is silently gone. */
class DaemonRestartTest {

    @TempDir
    Path home;

    @Test
    void afterKillNineFinishedResultsAreStillFetchableAndTheCutShortJobIsReportedFailed() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                AtelierCommand.class.getName(), "serve", "--port", "0")).redirectErrorStream(true);
        builder.environment().put("ATELIER_HOME", home.toString());
        Process daemon = builder.start();
        String finished;
        String cutShort;
        try {
            int port = listeningPort(daemon);
            try (AtelierClient client = AtelierClient.connect("127.0.0.1", port, AtelierHome.under(home).readToken(), 30_000)) {
                finished = client.submit(new EditRequest(Operation.CONTENT_FILL, Pictures.raw(Pictures.meadow()))
                        .setMask(Pictures.raw(Pictures.meadowSelection())).setSeed(3));
                assertEquals(JobState.SUCCEEDED, waitWhile(client, finished, JobState.QUEUED, JobState.RUNNING).getState());
                cutShort = client.submit(new EditRequest(Operation.CONTENT_FILL, Pictures.raw(Pictures.gradient(2500)))
                        .setMask(Pictures.raw(Pictures.centredHole(2500, 0.6))).setEngine("telea"));
                assertEquals(JobState.RUNNING, waitWhile(client, cutShort, JobState.QUEUED).getState());
            }
        } finally {
            daemon.destroyForcibly(); // SIGKILL: no shutdown hook, no chance to tidy up
            assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
        }
        try (DaemonFixture restarted = new DaemonFixture(home); AtelierClient client = restarted.client()) {
            assertEquals(JobState.SUCCEEDED, client.status(finished).getState());
            EditResult result = client.result(finished);
            assertEquals(1, result.getLayersSize());
            assertEquals(3, result.getLayers().get(0).getSeed());
            JobStatus lost = client.status(cutShort);
            assertEquals(JobState.FAILED, lost.getState());
            assertTrue(lost.getError().contains("daemon stopped"), lost.getError());
        }
    }

    private static int listeningPort(Process daemon) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
        StringBuilder seen = new StringBuilder();
        for (String line; (line = lines.readLine()) != null; ) {
            seen.append(line).append('\n');
            Matcher m = listening.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("the daemon never said where it listens:\n" + seen);
    }

    private static JobStatus waitWhile(AtelierClient client, String jobId, JobState... states) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JobStatus status;
        do {
            Thread.sleep(20);
            status = client.status(jobId);
        } while (List.of(states).contains(status.getState()) && System.nanoTime() < deadline);
        assertNotNull(status);
        return status;
    }
}
