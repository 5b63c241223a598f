package atelier.bridge.cli;

import atelier.bridge.cli.CommandLine.UsageException;
import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.PrivateFiles;
import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.JobStatus;
import atelier.bridge.thrift.PixelFormat;
import atelier.bridge.thrift.Picture;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.thrift.TException;

/**
 * Many pictures through one daemon connection: up to a few jobs in flight, each result
 * written beside the others under the input's name (atomically, so Ctrl-C never leaves half a
 * picture), a picture that fails reported and skipped, a progress line with count, rate and
 * time left, and a summary at the end.
 */
final class BatchRun {

    /** In flight by default: enough to keep two workers busy while results travel. */
    static final int DEFAULT_IN_FLIGHT = 3;
    private static final long POLL_MILLIS = 100;

    private final AtelierClient client;
    private final EditRequest options;
    private final Picture oneMask;
    private final Path masks;
    private final Path outDir;
    private final boolean resume;
    private final int inFlight;
    private final PrintStream err;
    private final ProgressBar bar;

    BatchRun(AtelierClient client, EditRequest options, Picture oneMask, Path masks, Path outDir, boolean resume, int inFlight,
             PrintStream err, boolean console) {
        this.client = client;
        this.options = options;
        this.oneMask = oneMask;
        this.masks = masks;
        this.outDir = outDir;
        this.resume = resume;
        this.inFlight = inFlight;
        this.err = err;
        this.bar = new ProgressBar(err, console);
    }

    /** The .png files of a directory, or those a glob such as {@code shots/*.png} matches, sorted by name. */
    static List<Path> pictures(String where) throws IOException, UsageException {
        Path path = Path.of(where);
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.list(path)) {
                return files.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png"))
                        .filter(Files::isRegularFile).sorted().toList();
            }
        }
        Path dir = path.getParent() == null ? Path.of(".") : path.getParent();
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--images: no directory " + dir);
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + path.getFileName());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> matcher.matches(p.getFileName())).filter(Files::isRegularFile).sorted().toList();
        }
    }

    private record Running(Path image, Path target, String job) {
    }

    /** True when every picture was done or skipped, false when any failed. */
    boolean run(List<Path> images) throws InterruptedException {
        Deque<Path> waiting = new ArrayDeque<>(images);
        List<Running> running = new ArrayList<>();
        Map<Path, String> failed = new LinkedHashMap<>();
        int done = 0, skipped = 0;
        long start = System.nanoTime();
        Thread cancelOnExit = new Thread(() -> {
            for (Running job : List.copyOf(running)) {
                try {
                    client.cancel(job.job());
                } catch (TException | RuntimeException ignored) {
                    // The daemon is gone or the job ended: nothing left to stop.
                }
            }
            bar.finish();
            err.println("atelier: batch cancelled; finished pictures are complete in " + outDir);
        }, "atelier-batch-cancel");
        Runtime.getRuntime().addShutdownHook(cancelOnExit);
        try {
            while (!waiting.isEmpty() || !running.isEmpty()) {
                while (running.size() < inFlight && !waiting.isEmpty()) {
                    Path image = waiting.poll();
                    Path target = outDir.resolve(image.getFileName().toString());
                    try {
                        if (resume && Files.exists(target)
                                && Files.getLastModifiedTime(target).compareTo(Files.getLastModifiedTime(image)) > 0) {
                            skipped++;
                            continue;
                        }
                        running.add(new Running(image, target, client.submit(request(image))));
                    } catch (IOException | TException | RuntimeException e) {
                        failed.put(image, AtelierClient.describe(e));
                    }
                }
                Thread.sleep(POLL_MILLIS);
                for (Running job : List.copyOf(running)) {
                    try {
                        JobStatus status = client.status(job.job());
                        if (status.getState() == JobState.QUEUED || status.getState() == JobState.RUNNING) {
                            continue;
                        }
                        running.remove(job);
                        EditResult result = client.result(job.job());
                        PrivateFiles.writeAtomically(job.target(), result.getLayers().get(0).getPixels().getData());
                        done++;
                    } catch (IOException | TException | RuntimeException e) {
                        running.remove(job);
                        failed.put(job.image(), AtelierClient.describe(e));
                    }
                }
                int finished = done + skipped + failed.size();
                double seconds = (System.nanoTime() - start) / 1e9;
                double rate = done / Math.max(seconds, 1e-3);
                String left = rate > 0 ? String.format(Locale.ROOT, ", %.0f s left", (images.size() - finished) / rate) : "";
                bar.show((double) finished / images.size(), String.format(Locale.ROOT, "%d/%d pictures", finished, images.size()),
                        String.format(Locale.ROOT, "%.2f a second%s", rate, left));
            }
        } finally {
            bar.finish();
            try {
                Runtime.getRuntime().removeShutdownHook(cancelOnExit);
            } catch (IllegalStateException shuttingDown) {
                // Exiting: the hook is cancelling what is in flight.
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        err.printf(Locale.ROOT, "atelier: batch: %d done, %d skipped (up to date), %d failed in %.1f s (%.2f pictures a second)%n",
                done, skipped, failed.size(), seconds, done / Math.max(seconds, 1e-3));
        failed.forEach((image, why) -> err.println("  failed " + image + ": " + why));
        return failed.isEmpty();
    }

    private EditRequest request(Path image) throws IOException {
        EditRequest request = options.deepCopy();
        request.setImage(new Picture(PixelFormat.PNG, 0, 0, ByteBuffer.wrap(Files.readAllBytes(image))));
        if (oneMask != null) {
            request.setMask(oneMask);
        } else if (masks != null) {
            Path mask = masks.resolve(image.getFileName().toString());
            if (!Files.isRegularFile(mask)) {
                throw new IOException("no mask " + mask.getFileName() + " in " + masks);
            }
            request.setMask(new Picture(PixelFormat.PNG, 0, 0, ByteBuffer.wrap(Files.readAllBytes(mask))));
        }
        return request;
    }
}
