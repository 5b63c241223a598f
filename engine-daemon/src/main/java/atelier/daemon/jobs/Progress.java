package atelier.daemon.jobs;

/**
 * What an engine tells its job between steps. {@link #step} is also where a cancel
 * takes effect, so engines call it between units of work, never inside a hot loop.
 */
public interface Progress {

    /** For work outside a job (benchmarks, tools): reports go nowhere, nothing cancels. */
    Progress NONE = (fraction, stage) -> { };

    /**
     * Records that the job is at {@code fraction} (0..1) of its work, doing {@code stage},
     * and stops the job here if it was cancelled.
     */
    void step(double fraction, String stage) throws JobCancelledException;

    /**
     * A rough picture of where the work is heading (a diffusion model's latents seen as RGB),
     * for the editor to show while it waits. Most work has none; the default drops it.
     */
    default void preview(atelier.daemon.image.Raster picture) {
    }

    /** A view of this progress for a sub-task that covers [from, to] of the whole. */
    default Progress span(double from, double to) {
        Progress whole = this;
        return new Progress() {
            @Override
            public void step(double fraction, String stage) throws JobCancelledException {
                whole.step(from + (to - from) * fraction, stage);
            }

            @Override
            public void preview(atelier.daemon.image.Raster picture) {
                whole.preview(picture);
            }
        };
    }
}
