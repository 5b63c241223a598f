package atelier.daemon.jobs;

import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.JobStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded queue of jobs run by a fixed pool of workers. Results go to the spool;
 * finished jobs are forgotten once their result expires.
 */
public final class JobQueue implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JobQueue.class);

    /** Thrown by {@link #submit} when the queue holds as many jobs as it may. */
    public static final class QueueFull extends Exception {
        public QueueFull(String message) {
            super(message);
        }
    }

    /** Thrown when no job has this id. */
    public static final class UnknownJob extends Exception {
        public UnknownJob(String message) {
            super(message);
        }
    }

    /** Thrown by {@link #result} when there is no result to give; {@link #state} says why. */
    public static final class NoResultYet extends Exception {
        private final JobState state;

        NoResultYet(JobState state, String message) {
            super(message);
            this.state = state;
        }

        public JobState state() {
            return state;
        }
    }

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService sweeper;
    private final ResultSpool spool;
    private final int maxQueued;
    private final int maxQueuedPerClient;
    private final Duration keepResults;
    private final LongSupplier clock;
    /** Decoded pictures all unfinished jobs may hold together; past it a submit is refused as busy. */
    private final long decodingBudget = DECODING_BUDGET;

    /** 1 GB of decoded rasters across the queue: with the engines' working memory, the daemon stays under its heap. */
    public static final long DECODING_BUDGET = 1L << 30;

    public JobQueue(int workerCount, int maxQueued, int maxQueuedPerClient, Path spoolDir, Duration keepResults) throws IOException {
        this(workerCount, maxQueued, maxQueuedPerClient, spoolDir, keepResults, System::currentTimeMillis);
    }

    JobQueue(int workerCount, int maxQueued, int maxQueuedPerClient, Path spoolDir, Duration keepResults, LongSupplier clock)
            throws IOException {
        this.spool = new ResultSpool(spoolDir);
        this.maxQueued = maxQueued;
        this.maxQueuedPerClient = maxQueuedPerClient;
        this.keepResults = keepResults;
        this.clock = clock;
        AtomicLong threads = new AtomicLong();
        this.workers = new ThreadPoolExecutor(workerCount, workerCount, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "atelier-worker-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "atelier-spool-sweeper");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::forgetExpired, 1, 1, TimeUnit.MINUTES);
        recover();
    }

    /**
     * Takes over what a previous run left in the spool: finished results stay fetchable, and
     * jobs that were queued or running when it stopped are reported as failed, with why.
     */
    private void recover() throws IOException {
        long now = clock.getAsLong();
        for (ResultSpool.Entry entry : spool.entries()) {
            JobState state = entry.state();
            String error = entry.error();
            long finishedAt = entry.finishedAtMillis();
            if (state == JobState.QUEUED || state == JobState.RUNNING) {
                state = JobState.FAILED;
                error = "the daemon stopped (it was killed, crashed or the machine restarted) before this job finished: submit it again";
                finishedAt = now;
                recordRecovered(entry.jobId(), state, error, finishedAt);
            } else if (state == JobState.SUCCEEDED && !spool.hasResult(entry.jobId())) {
                state = JobState.FAILED;
                error = "the result was lost from the spool: submit the job again";
                recordRecovered(entry.jobId(), state, error, finishedAt);
            }
            jobs.put(entry.jobId(), Job.restored(entry.jobId(), state, error, finishedAt));
        }
    }

    /** A recovered job's new state; on a full disk the daemon still starts, knowing it in memory. */
    private void recordRecovered(String jobId, JobState state, String error, long finishedAt) {
        try {
            spool.writeState(jobId, state, error, finishedAt);
        } catch (IOException e) {
            LOG.warn("cannot record the state of job {} in the spool ({}); it is kept in memory", jobId, e.getMessage());
        }
    }

    /** Queues the work of an anonymous client and answers its job id at once. */
    public String submit(JobWork work) throws QueueFull {
        return submit(work, "");
    }

    /** Queues the work for a client (a connection) and answers its job id at once. */
    public String submit(JobWork work, String client) throws QueueFull {
        return submit(work, client, 0);
    }

    /**
     * Queues work that will hold {@code decodedBytes} of decoded pictures, refused while the
     * jobs already waiting or running hold so much that it would pass the decoding budget.
     */
    public String submit(JobWork work, String client, long decodedBytes) throws QueueFull {
        synchronized (jobs) {
            long held = jobs.values().stream().filter(j -> !j.isFinished()).mapToLong(j -> j.decodedBytes).sum();
            if (held > 0 && held + decodedBytes > decodingBudget) {
                throw new QueueFull(String.format(java.util.Locale.ROOT,
                        "the queued pictures already take %.0f MB decoded and this one %.0f MB more, past the daemon's"
                                + " %.0f MB: retry when a job has finished", held / 1e6, decodedBytes / 1e6, decodingBudget / 1e6));
            }
            long waiting = jobs.values().stream().filter(j -> !j.isFinished()).count();
            if (waiting >= maxQueued) {
                throw new QueueFull(waiting + " jobs are queued or running, the most this daemon takes");
            }
            long mine = jobs.values().stream().filter(j -> !j.isFinished() && j.client.equals(client)).count();
            if (mine >= maxQueuedPerClient) {
                throw new QueueFull("this connection has " + mine + " jobs queued or running, the most one client may have");
            }
            Job job = new Job(UUID.randomUUID().toString(), sequence.incrementAndGet(), work, clock.getAsLong(), client);
            job.decodedBytes = decodedBytes;
            record(job);
            jobs.put(job.id, job);
            workers.execute(() -> run(job));
            return job.id;
        }
    }

    public JobStatus status(String jobId) throws UnknownJob {
        Job job = find(jobId);
        JobStatus status = job.snapshot();
        if (status.getState() == JobState.QUEUED) {
            status.setQueuePosition((int) jobs.values().stream()
                    .filter(other -> other.sequence < job.sequence && !other.isFinished()).count());
        }
        return status;
    }

    public EditResult result(String jobId) throws UnknownJob, NoResultYet, IOException, JobWork.Refusal {
        Job job = find(jobId);
        JobStatus status = job.snapshot();
        if (job.refusal() != null) {
            throw job.refusal();
        }
        return switch (status.getState()) {
            case SUCCEEDED -> spool.read(jobId);
            case QUEUED, RUNNING -> throw new NoResultYet(status.getState(), "the job is still " + status.getState().name().toLowerCase());
            case CANCELLED -> throw new NoResultYet(JobState.CANCELLED, "the job was cancelled");
            case FAILED -> throw new NoResultYet(JobState.FAILED, status.getError());
        };
    }

    public void cancel(String jobId) throws UnknownJob {
        Job job = find(jobId);
        job.requestCancel(clock.getAsLong());
        if (job.state() == JobState.CANCELLED) {
            spool.deleteResult(jobId);
            record(job);
        }
    }

    /** Writes the job's state to the spool; a failure to write is logged, the job goes on. */
    private void record(Job job) {
        // Holding the job's lock keeps the state from moving on between reading and writing it.
        synchronized (job) {
            try {
                spool.writeState(job.id, job.state(), job.error(), job.finishedAtMillis());
            } catch (IOException e) {
                LOG.warn("cannot record the state of job {} in the spool", job.id, e);
            }
        }
    }

    private Job find(String jobId) throws UnknownJob {
        Job job = jobId == null ? null : jobs.get(jobId);
        if (job == null) {
            throw new UnknownJob("no job " + jobId + " (never submitted here, or its result expired)");
        }
        return job;
    }

    private void run(Job job) {
        if (!job.start(clock.getAsLong())) {
            return;
        }
        record(job);
        Progress progress = new Progress() {
            @Override
            public void step(double fraction, String stage) throws JobCancelledException {
                if (job.cancelRequested()) {
                    throw new JobCancelledException();
                }
                job.report(fraction, stage);
            }

            @Override
            public void preview(atelier.daemon.image.Raster picture) {
                job.preview(atelier.daemon.image.PngCodec.encode(picture), picture.width(), picture.height());
            }
        };
        try {
            EditResult result = job.work().run(job.id, progress);
            progress.step(1, "saving the result");
            Map<String, String> details = new java.util.LinkedHashMap<>(result.getDetails());
            details.put("queued_ms", Long.toString(job.queuedMillis()));
            result.setDetails(details);
            spool.write(job.id, result);
            job.finish(JobState.SUCCEEDED, null, clock.getAsLong());
            if (job.state() == JobState.CANCELLED) {
                spool.deleteResult(job.id);
            }
        } catch (JobCancelledException e) {
            job.finish(JobState.CANCELLED, null, clock.getAsLong());
        } catch (JobWork.Refusal e) {
            job.refuse(e, e.getMessage(), clock.getAsLong());
        } catch (OutOfMemoryError e) {
            job.finish(JobState.FAILED, "out of memory: try a smaller selection or image", clock.getAsLong());
        } catch (Exception | Error e) {
            LOG.warn("job {} failed", job.id, e);
            job.finish(JobState.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage(), clock.getAsLong());
        }
        record(job);
    }

    /** Drops finished jobs whose results are older than the keep time, and their spool files. */
    void forgetExpired() {
        long cutoff = clock.getAsLong() - keepResults.toMillis();
        jobs.values().removeIf(job -> {
            boolean expired = job.isFinished() && job.finishedAtMillis() < cutoff;
            if (expired) {
                spool.deleteAll(job.id);
            }
            return expired;
        });
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        workers.shutdownNow();
    }

    /** How many jobs run at once. */
    public int workerCount() {
        return workers.getCorePoolSize();
    }

    /** For tests that need the workers idle. */
    ExecutorService workers() {
        return workers;
    }
}
