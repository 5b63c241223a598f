package atelier.daemon.classic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.jobs.Progress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cancel takes effect at the engine's next stage and nothing runs after it. */
class BorderCutoutCancelTest {

    @Test
    void cancelBetweenStagesStopsTheCut() throws Exception {
        List<String> stages = new ArrayList<>();
        new BorderCutout().cutOut(CutoutScenes.iconsOnWhite().picture(), null, (fraction, stage) -> stages.add(stage));
        assertTrue(stages.size() >= 5, "stages: " + stages);

        for (int cancelAt = 1; cancelAt < stages.size(); cancelAt++) {
            List<String> seen = new ArrayList<>();
            int stopAfter = cancelAt;
            Progress cancelling = (fraction, stage) -> {
                seen.add(stage);
                if (seen.size() == stopAfter) {
                    throw new JobCancelledException();
                }
            };
            assertThrows(JobCancelledException.class,
                    () -> new BorderCutout().cutOut(CutoutScenes.iconsOnWhite().picture(), null, cancelling));
            assertEquals(stages.subList(0, cancelAt), seen, "no stage runs after the cancel");
        }
    }
}
