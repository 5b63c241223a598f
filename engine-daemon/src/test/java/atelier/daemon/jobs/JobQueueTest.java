package atelier.daemon.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.Operation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobQueueTest {

    @TempDir
    Path spool;

    private static EditResult result(String jobId) {
        return new EditResult(jobId, Operation.CONTENT_FILL, List.of(), 1, 1, "test", Map.of());
    }

    private static JobState waitForEnd(JobQueue queue, String id) throws Exception {
        JobState state;
        do {
            Thread.sleep(5);
            state = queue.status(id).getState();
        } while (state == JobState.QUEUED || state == JobState.RUNNING);
        return state;
    }

    @Test
    void resultStaysInTheSpoolUntilItExpires() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000);
        try (JobQueue queue = new JobQueue(1, 4, 4, spool, Duration.ofMinutes(10), now::get)) {
            String id = queue.submit((jobId, progress) -> result(jobId));
            assertEquals(JobState.SUCCEEDED, waitForEnd(queue, id));
            assertTrue(Files.exists(spool.resolve(id + ".result")));
            assertEquals(id, queue.result(id).getJobId());
            now.addAndGet(Duration.ofMinutes(9).toMillis());
            queue.forgetExpired();
            assertEquals(id, queue.result(id).getJobId(), "still fetchable before expiry");
            now.addAndGet(Duration.ofMinutes(2).toMillis());
            queue.forgetExpired();
            assertThrows(JobQueue.UnknownJob.class, () -> queue.status(id));
            assertTrue(Files.notExists(spool.resolve(id + ".result")), "expired results leave the disk");
        }
    }

    @Test
    void engineThatThrowsFailsItsJobAndTheQueueKeepsWorking() throws Exception {
        try (JobQueue queue = new JobQueue(1, 4, 4, spool, Duration.ofMinutes(10))) {
            String broken = queue.submit((jobId, progress) -> {
                throw new IllegalStateException("engine exploded");
            });
            assertEquals(JobState.FAILED, waitForEnd(queue, broken));
            assertTrue(queue.status(broken).getError().contains("engine exploded"));
            JobQueue.NoResultYet e = assertThrows(JobQueue.NoResultYet.class, () -> queue.result(broken));
            assertEquals(JobState.FAILED, e.state());
            String fine = queue.submit((jobId, progress) -> result(jobId));
            assertEquals(JobState.SUCCEEDED, waitForEnd(queue, fine));
        }
    }

    @Test
    void engineThatRunsOutOfMemoryFailsOnlyItsOwnJob() throws Exception {
        try (JobQueue queue = new JobQueue(1, 4, 4, spool, Duration.ofMinutes(10))) {
            String greedy = queue.submit((jobId, progress) -> {
                long[][] hoard = new long[1024][];
                for (int i = 0; i < hoard.length; i++) {
                    hoard[i] = new long[Integer.MAX_VALUE - 8]; // 16 GiB each: far beyond any test heap
                }
                return result(jobId);
            });
            assertEquals(JobState.FAILED, waitForEnd(queue, greedy));
            assertTrue(queue.status(greedy).getError().contains("out of memory"), queue.status(greedy).getError());
            String fine = queue.submit((jobId, progress) -> result(jobId));
            assertEquals(JobState.SUCCEEDED, waitForEnd(queue, fine));
        }
    }

    @Test
    void progressIsReportedAndCancelStopsAtTheNextStep() throws Exception {
        try (JobQueue queue = new JobQueue(1, 4, 4, spool, Duration.ofMinutes(10))) {
            Object gate = new Object();
            String id = queue.submit((jobId, progress) -> {
                progress.step(0.5, "half way");
                synchronized (gate) {
                    gate.notifyAll();
                    try {
                        gate.wait(10_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                progress.step(0.9, "never reached");
                return result(jobId);
            });
            synchronized (gate) {
                while (queue.status(id).getProgress() < 0.5) {
                    gate.wait(100);
                }
                assertEquals("half way", queue.status(id).getStage());
                queue.cancel(id);
                gate.notifyAll();
            }
            assertEquals(JobState.CANCELLED, waitForEnd(queue, id));
            assertTrue(Files.notExists(spool.resolve(id + ".result")));
        }
    }

    @Test
    void oneClientCannotFillTheQueueForEveryoneElse() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        JobWork blocking = (jobId, progress) -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return result(jobId);
        };
        try (JobQueue queue = new JobQueue(1, 10, 2, spool, Duration.ofMinutes(10))) {
            queue.submit(blocking, "greedy");
            queue.submit(blocking, "greedy");
            JobQueue.QueueFull full = assertThrows(JobQueue.QueueFull.class, () -> queue.submit(blocking, "greedy"));
            assertTrue(full.getMessage().contains("this connection"), full.getMessage());
            String other = queue.submit((jobId, progress) -> result(jobId), "polite");
            release.countDown();
            assertEquals(JobState.SUCCEEDED, waitForEnd(queue, other));
        }
    }
}
