package atelier.bridge.cli;

import atelier.bridge.client.JobListener;
import atelier.bridge.thrift.JobStatus;
import java.io.PrintStream;

/** Draws a job's progress on the terminal: one redrawn line on a console, a line per stage otherwise. */
final class ProgressBar implements JobListener {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean console;
    private String lastStage = "";
    private int drawnLength;

    ProgressBar(PrintStream out, boolean console) {
        this.out = out;
        this.console = console;
    }

    @Override
    public void progress(JobStatus status) {
        show(status.getProgress(), status.getStage(), "");
    }

    /**
     * Draws the bar at {@code fraction} (0..1) for {@code stage}; {@code detail} is drawn on a
     * console only, so a log gets one line a stage.
     */
    void show(double fraction, String stage, String detail) {
        if (console) {
            int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
            String line = String.format("[%s%s] %3d%% %s%s", "#".repeat(filled), ".".repeat(WIDTH - filled),
                    Math.round(fraction * 100), stage, detail.isEmpty() ? "" : " " + detail);
            out.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
            drawnLength = line.length();
            out.flush();
        } else if (!stage.equals(lastStage)) {
            out.printf("%3d%% %s%n", Math.round(fraction * 100), stage);
        }
        lastStage = stage;
    }

    /** Ends the redrawn line so later output starts on a fresh one. */
    void finish() {
        if (console && drawnLength > 0) {
            out.println();
            drawnLength = 0;
        }
    }
}
