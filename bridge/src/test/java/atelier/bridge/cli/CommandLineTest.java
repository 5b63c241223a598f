package atelier.bridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.thrift.JobState;
import atelier.bridge.thrift.JobStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void readsTheVerbAndItsOptions() throws Exception {
        CommandLine line = CommandLine.parse(new String[] {"inpaint", "--prompt", "a corgi", "--steps", "20", "--strength", "0.6"}, Set.of());
        assertEquals("inpaint", line.verb());
        assertEquals("a corgi", line.text("prompt"));
        assertEquals(20, line.integer("steps"));
        assertEquals(0.6, line.decimal("strength"));
    }

    @Test
    void namesTheOptionThatIsWrong() {
        CommandLine.UsageException e = assertThrows(CommandLine.UsageException.class,
                () -> CommandLine.parse(new String[] {"fill", "--steps", "many"}, Set.of()).integer("steps"));
        assertTrue(e.getMessage().contains("--steps"));
        assertThrows(CommandLine.UsageException.class, () -> CommandLine.parse(new String[] {"fill", "--out"}, Set.of()));
        assertThrows(CommandLine.UsageException.class,
                () -> CommandLine.parse(new String[] {"fill", "--color", "x"}, Set.of()).allowOnly(Set.of("out")));
    }

    @Test
    void lorasReadAsNamesWithOptionalWeights() throws Exception {
        java.util.List<atelier.bridge.thrift.LoraChoice> loras = AtelierCommand.loras("ink-style:0.6, film");
        assertEquals(2, loras.size());
        assertEquals("ink-style", loras.get(0).getName());
        assertEquals(0.6, loras.get(0).getWeight(), 1e-12);
        assertEquals("film", loras.get(1).getName());
        assertEquals(1.0, loras.get(1).getWeight(), 1e-12);
        org.junit.jupiter.api.Assertions.assertThrows(CommandLine.UsageException.class, () -> AtelierCommand.loras("film:strong"));
        org.junit.jupiter.api.Assertions.assertThrows(CommandLine.UsageException.class, () -> AtelierCommand.loras(",film"));
    }

    @Test
    void aspectRatiosReadAsAPersonWritesThem() throws Exception {
        assertEquals(16 / 9.0, AtelierCommand.aspectRatio("16:9"), 1e-12);
        assertEquals(1.5, AtelierCommand.aspectRatio("3/2"), 1e-12);
        assertEquals(0.75, AtelierCommand.aspectRatio("0.75"), 1e-12);
        assertThrows(CommandLine.UsageException.class, () -> AtelierCommand.aspectRatio("wide"));
        assertThrows(CommandLine.UsageException.class, () -> AtelierCommand.aspectRatio("16:0"));
    }

    @Test
    void variantsAreNumberedBeforeTheExtension() {
        assertEquals(Path.of("out/fill-2.png"), AtelierCommand.numbered(Path.of("out/fill.png"), 2));
        assertEquals(Path.of("fill-3"), AtelierCommand.numbered(Path.of("fill"), 3));
    }

    @Test
    void progressBarRedrawsOneLineOnAConsole() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true), true);
        bar.progress(new JobStatus("j", JobState.RUNNING, 0.5, "filling"));
        bar.finish();
        String drawn = bytes.toString();
        assertTrue(drawn.startsWith("\r[###############...............]  50% filling"), drawn);
        assertTrue(drawn.endsWith(System.lineSeparator()));
    }

    @Test
    void progressWithoutAConsolePrintsEachStageOnce() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true), false);
        bar.progress(new JobStatus("j", JobState.QUEUED, 0, "queued"));
        bar.progress(new JobStatus("j", JobState.QUEUED, 0, "queued"));
        bar.progress(new JobStatus("j", JobState.RUNNING, 0.25, "filling"));
        assertEquals("  0% queued\n 25% filling\n", bytes.toString().replace(System.lineSeparator(), "\n"));
    }
}
