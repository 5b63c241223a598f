package atelier.daemon.jobs;

import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.JobStatus;

/** One job's state, shared by the worker running it and the calls asking about it. */
final class Job {

    final String id;
    final long sequence;
    /** Who submitted it: the connection, for the per-client limit. */
    final String client;
    private final JobWork work;
    private JobState state = JobState.QUEUED;
    private double progress;
    private String stage = "queued";
    private String error;
    /** Why the request was refused on the worker, answered by result(); null otherwise. */
    private JobWork.Refusal refusal;
    private volatile boolean cancelRequested;
    private long finishedAtMillis;
    private final long submittedAtMillis;
    private long startedAtMillis;
    /** The decoded pictures this job will hold while it waits and runs, counted against the queue's budget. */
    long decodedBytes;

    Job(String id, long sequence, JobWork work, long nowMillis, String client) {
        this.client = client;
        this.id = id;
        this.sequence = sequence;
        this.work = work;
        this.submittedAtMillis = nowMillis;
    }

    /** A finished job read back from the spool after a restart: it has no work left to do. */
    static Job restored(String id, JobState state, String error, long finishedAtMillis) {
        Job job = new Job(id, 0, null, finishedAtMillis, "");
        job.finish(state, error, finishedAtMillis);
        return job;
    }

    /** How long the job waited for a worker (0 until it started). */
    synchronized long queuedMillis() {
        return startedAtMillis == 0 ? 0 : startedAtMillis - submittedAtMillis;
    }

    synchronized void refuse(JobWork.Refusal why, String sentence, long nowMillis) {
        finish(JobState.FAILED, sentence, nowMillis);
        refusal = why;
    }

    synchronized JobWork.Refusal refusal() {
        return refusal;
    }

    synchronized String error() {
        return error;
    }

    JobWork work() {
        return work;
    }

    synchronized JobState state() {
        return state;
    }

    synchronized boolean isFinished() {
        return state != JobState.QUEUED && state != JobState.RUNNING;
    }

    synchronized long finishedAtMillis() {
        return finishedAtMillis;
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    /** Moves to RUNNING unless cancelled while queued. */
    synchronized boolean start(long nowMillis) {
        if (cancelRequested || state != JobState.QUEUED) {
            return false;
        }
        startedAtMillis = nowMillis;
        state = JobState.RUNNING;
        stage = "starting";
        return true;
    }

    synchronized void report(double fraction, String stage) {
        this.progress = Math.max(this.progress, Math.max(0, Math.min(1, fraction)));
        this.stage = stage;
    }

    synchronized void finish(JobState end, String error, long nowMillis) {
        if (isFinished()) {
            return;
        }
        // A cancel that arrived after the engine's last step still wins: the artist said no.
        state = end == JobState.SUCCEEDED && cancelRequested ? JobState.CANCELLED : end;
        this.error = error;
        finishedAtMillis = nowMillis;
        if (state == JobState.SUCCEEDED) {
            progress = 1;
            stage = "done";
        } else {
            stage = state == JobState.CANCELLED ? "cancelled" : "failed";
        }
    }

    /** Marks the job cancelled; a running engine stops at its next step. */
    synchronized void requestCancel(long nowMillis) {
        cancelRequested = true;
        if (state == JobState.QUEUED) {
            finish(JobState.CANCELLED, null, nowMillis);
        } else if (state == JobState.SUCCEEDED) {
            // Cancelling a finished job discards its result.
            state = JobState.CANCELLED;
            stage = "cancelled";
        }
    }

    private byte[] previewPng;
    private int previewWidth;
    private int previewHeight;

    /** The latest preview, as a PNG; status() hands it to the editor while the job runs. */
    synchronized void preview(byte[] png, int width, int height) {
        previewPng = png;
        previewWidth = width;
        previewHeight = height;
    }

    synchronized JobStatus snapshot() {
        JobStatus status = new JobStatus(id, state, progress, stage);
        if (previewPng != null && state == JobState.RUNNING) {
            status.setPreview(new atelier.bridge.thrift.Picture(atelier.bridge.thrift.PixelFormat.PNG, previewWidth, previewHeight,
                    java.nio.ByteBuffer.wrap(previewPng)));
        }
        if (error != null) {
            status.setError(error);
        }
        return status;
    }
}
