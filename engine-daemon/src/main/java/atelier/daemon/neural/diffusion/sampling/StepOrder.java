package atelier.daemon.neural.diffusion.sampling;

/** Holds a run to its steps in order: multistep schedulers keep history that a skipped or repeated step would corrupt. */
final class StepOrder {

    private final int steps;
    private int next;

    StepOrder(int steps) {
        this.steps = steps;
    }

    void take(int i) {
        if (i != next || i >= steps) {
            throw new IllegalStateException("step " + i + " taken when step " + next + " of " + steps + " was due");
        }
        next++;
    }

    boolean isLast(int i) {
        return i == steps - 1;
    }
}
