package atelier.daemon.neural.diffusion;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code ./bench reference [FOLDER]}: every case of a reference folder (default
 * {@code ../shared/reference}) through Atelier's loader, networks and samplers, one line a
 * case (name, max |difference|, tolerance, ok or FAIL), then {@code N passed, M failed}.
 * A check rather than a timing; it lives with the benchmarks so that {@code ./bench} finds it.
 * Exit status 0 when every case passes, 1 when one fails, 2 when the folder is unreadable.
 */
public final class ReferenceBenchmark {

    private ReferenceBenchmark() {
    }

    public static void main(String[] args) {
        Path folder = args.length > 0 ? Path.of(args[0]).toAbsolutePath().normalize() : ReferenceData.FOLDER;
        try {
            ReferenceCases cases = new ReferenceCases(folder);
            System.out.println("reference data: " + folder);
            List<ReferenceCases.Outcome> outcomes = new java.util.ArrayList<>();
            for (Path sidecar : cases.sidecars()) {
                outcomes.add(cases.run(sidecar));
            }
            for (Path sidecar : cases.loraSidecars()) {
                outcomes.add(cases.runLora(sidecar));
            }
            if (java.nio.file.Files.exists(cases.textualInversionSidecar())) {
                outcomes.add(cases.runTextualInversion(cases.textualInversionSidecar()));
            }
            Map<String, Integer> tally = ReferenceCases.print(outcomes, System.out);
            System.exit(tally.get("failed") > 0 ? 1 : 0);
        } catch (ReferenceCases.UnreadableFolder e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }
}
