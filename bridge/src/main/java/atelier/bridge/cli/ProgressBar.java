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
        String stage = status.getStage();
        if (console) {
            int filled = (int) Math.round(Math.max(0, Math.min(1, status.getProgress())) * WIDTH);
            String line = String.format("[%s%s] %3d%% %s", "#".repeat(filled), ".".repeat(WIDTH - filled),
                    Math.round(status.getProgress() * 100), stage);
            out.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
            drawnLength = line.length();
            out.flush();
        } else if (!stage.equals(lastStage)) {
            out.printf("%3d%% %s%n", Math.round(status.getProgress() * 100), stage);
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
