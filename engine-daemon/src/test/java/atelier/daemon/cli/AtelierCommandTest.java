package atelier.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.cli.AtelierCommand;
import atelier.bridge.client.AtelierClient;
import atelier.bridge.client.AtelierHome;
import atelier.bridge.thrift.JobState;
import atelier.daemon.DaemonFixture;
import atelier.daemon.Pictures;
import atelier.daemon.image.Mask;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The `atelier` command as an artist runs it, against an in-process or a running daemon. */
class AtelierCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int atelier(AtelierHome home, String... args) {
        AtelierCommand command = new AtelierCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), home, false);
        return command.run(args);
    }

    private Path sample(String name) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, DaemonFixture.sample(name));
        return file;
    }

    @Test
    void fillWithNoDaemonRunningStartsOneInProcessAndKeepsUnselectedPixels() throws Exception {
        Path result = dir.resolve("filled.png");
        int status = atelier(AtelierHome.under(dir.resolve("home")), "fill", "--image", sample("meadow-ball.png").toString(),
                "--mask", sample("meadow-ball-mask.png").toString(), "--out", result.toString(), "--port", "1");
        assertEquals(0, status, err.toString());
        Raster original = Pictures.meadow();
        Mask selection = Pictures.meadowSelection();
        Raster filled = PngCodec.decodeRgba(Files.readAllBytes(result), Long.MAX_VALUE);
        int changed = 0;
        for (int y = 0; y < original.height(); y++) {
            for (int x = 0; x < original.width(); x++) {
                boolean same = true;
                for (int c = 0; c < 4; c++) {
                    same &= original.channel(x, y, c) == filled.channel(x, y, c);
                }
                if (selection.at(x, y) == 0) {
                    assertTrue(same, "unselected pixel " + x + "," + y + " changed");
                } else if (!same) {
                    changed++;
                }
            }
        }
        assertTrue(changed > selection.selectedPixels() / 2, "the ball should be gone, " + changed + " pixels changed");
        assertTrue(err.toString().contains("100% done"), err.toString());
        assertTrue(out.toString().contains("wrote " + result), out.toString());
    }

    @Test
    void usesTheRunningDaemon() throws Exception {
        try (DaemonFixture fixture = new DaemonFixture(dir.resolve("home"))) {
            Path result = dir.resolve("out.png");
            int status = atelier(fixture.home, "fill", "--image", sample("meadow-ball.png").toString(),
                    "--mask", sample("meadow-ball-mask.png").toString(), "--out", result.toString(),
                    "--port", String.valueOf(fixture.daemon.port()));
            assertEquals(0, status, err.toString());
            assertTrue(Files.exists(result));
            assertEquals(0, atelier(fixture.home, "status", "--port", String.valueOf(fixture.daemon.port())));
            assertTrue(out.toString().contains("at 127.0.0.1:" + fixture.daemon.port()), out.toString());
        }
    }

    /** remove-bg with a rough box round the ball (--mask) and a corner to keep (--keep), on the meadow photograph. */
    @Test
    void removeBackgroundFindsTheSubjectInsideTheSelectionAndKeepsWhatKeepMarks() throws Exception {
        Raster meadow = PngCodec.decodeRgba(Files.readAllBytes(sample("meadow-ball.png")), Long.MAX_VALUE);
        Mask ball = PngCodec.decodeMask(Files.readAllBytes(sample("meadow-ball-mask.png")), Long.MAX_VALUE);
        var around = ball.bounds().pad(20).intersect(atelier.daemon.image.Bounds.of(meadow.extent()));
        Mask box = Mask.empty(meadow.extent());
        Mask keep = Mask.empty(meadow.extent());
        for (int y = 0; y < meadow.height(); y++) {
            for (int x = 0; x < meadow.width(); x++) {
                if (around.contains(x, y)) {
                    box.set(x, y, 255);
                }
                if (x < 30 && y < 30) {
                    keep.set(x, y, 255);
                }
            }
        }
        Path boxFile = dir.resolve("box.png");
        Path keepFile = dir.resolve("keep.png");
        Files.write(boxFile, PngCodec.encode(box));
        Files.write(keepFile, PngCodec.encode(keep));
        Path result = dir.resolve("cut.png");
        try (DaemonFixture fixture = new DaemonFixture(dir.resolve("home"))) {
            int status = atelier(fixture.home, "remove-bg", "--image", sample("meadow-ball.png").toString(), "--mask",
                    boxFile.toString(), "--keep", keepFile.toString(), "--out", result.toString(),
                    "--port", String.valueOf(fixture.daemon.port()));
            assertEquals(0, status, err.toString());
        }
        Raster cut = PngCodec.decodeRgba(Files.readAllBytes(result), Long.MAX_VALUE);
        int ballX = ball.bounds().x() + ball.bounds().width() / 2, ballY = ball.bounds().y() + ball.bounds().height() / 2;
        assertEquals(255, cut.channel(ballX, ballY, 3), "the ball in the middle of the box is kept");
        assertEquals(255, cut.channel(10, 10, 3), "the corner --keep marks is kept");
        assertEquals(0, cut.channel(meadow.width() - 5, meadow.height() - 5, 3), "outside the box nothing stays");
        assertEquals(0, cut.channel(around.x() + 2, around.y() + 2, 3), "the meadow in the box's corner is background");
    }

    /**
     * A batch of pictures through one daemon: every good picture filled and written under its
     * own name, a damaged file reported and skipped (exit 1), and a second run with --resume
     * skips what is already done.
     */
    @Test
    void batchFillsEveryPictureSkipsTheBrokenOneAndResumes() throws Exception {
        Path in = Files.createDirectories(dir.resolve("shots"));
        Path outDir = Files.createDirectories(dir.resolve("filled"));
        for (String name : List.of("a.png", "b.png", "c.png")) {
            Files.copy(sample("meadow-ball.png"), in.resolve(name));
        }
        Files.writeString(in.resolve("broken.png"), "not a picture");
        try (DaemonFixture fixture = new DaemonFixture(dir.resolve("home"))) {
            String port = String.valueOf(fixture.daemon.port());
            int status = atelier(fixture.home, "batch", "fill", "--images", in.toString(), "--mask",
                    sample("meadow-ball-mask.png").toString(), "--out", outDir.toString(), "--port", port);
            assertEquals(1, status, "one picture failed: " + err);
            assertTrue(err.toString().contains("3 done, 0 skipped (up to date), 1 failed"), err.toString());
            assertTrue(err.toString().contains("failed " + in.resolve("broken.png")), err.toString());
            Raster meadow = PngCodec.decodeRgba(Files.readAllBytes(sample("meadow-ball.png")), Long.MAX_VALUE);
            for (String name : List.of("a.png", "b.png", "c.png")) {
                Raster filled = PngCodec.decodeRgba(Files.readAllBytes(outDir.resolve(name)), Long.MAX_VALUE);
                assertEquals(meadow.extent(), filled.extent(), name);
                assertFalse(java.util.Arrays.equals(meadow.rgba(), filled.rgba()), name + " was not filled");
            }
            assertFalse(Files.exists(outDir.resolve("broken.png")));

            err.reset();
            status = atelier(fixture.home, "batch", "fill", "--images", in.resolve("*.png").toString(), "--mask",
                    sample("meadow-ball-mask.png").toString(), "--out", outDir.toString(), "--resume", "--port", port);
            assertEquals(1, status);
            assertTrue(err.toString().contains("0 done, 3 skipped (up to date), 1 failed"), err.toString());
        }
        assertEquals(2, atelier(AtelierHome.under(dir.resolve("home")), "batch", "sharpen", "--images", in.toString(), "--out",
                outDir.toString()));
    }

    @Test
    void badRequestExitsWithTwoAndNamesTheField() throws Exception {
        Path wrongSize = dir.resolve("small-mask.png");
        Files.write(wrongSize, PngCodec.encode(Mask.empty(new atelier.daemon.image.Extent(10, 10))));
        int status = atelier(AtelierHome.under(dir.resolve("home")), "fill", "--image", sample("meadow-ball.png").toString(),
                "--mask", wrongSize.toString(), "--out", dir.resolve("x.png").toString(), "--port", "1");
        assertEquals(2, status);
        assertTrue(err.toString().contains("mask"), err.toString());
        assertTrue(Files.notExists(dir.resolve("x.png")), "no output file for a refused request");
    }

    @Test
    void missingOptionsAndFilesAreUsageErrors() throws Exception {
        AtelierHome home = AtelierHome.under(dir.resolve("home"));
        assertEquals(2, atelier(home, "fill", "--mask", "m.png", "--out", "o.png"));
        assertTrue(err.toString().contains("--image"), err.toString());
        assertEquals(2, atelier(home, "fill", "--image", dir.resolve("nope.png").toString(), "--out", "o.png"));
        assertEquals(2, atelier(home, "fill", "--image", "a.png", "--out", "o.png", "--colour", "red"));
        assertEquals(2, atelier(home, "paint"));
        assertEquals(2, atelier(home));
    }

    @Test
    void operationWithoutAnEngineExitsWithOneAndSaysWhy() throws Exception {
        int status = atelier(AtelierHome.under(dir.resolve("home")), "inpaint", "--image", sample("meadow-ball.png").toString(),
                "--mask", sample("meadow-ball-mask.png").toString(), "--prompt", "a corgi", "--out",
                dir.resolve("c.png").toString(), "--port", "1");
        assertEquals(1, status);
        assertTrue(err.toString().contains("unsupported"), err.toString());
    }

    /** Every way --out could lose work or write where it should not is refused before the job, naming --out. */
    @Test
    void outputsThatCannotBeWrittenOrWouldDestroySomethingAreRefusedBeforeTheWork() throws Exception {
        AtelierHome home = AtelierHome.under(dir.resolve("home"));
        Path image = sample("meadow-ball.png");
        Path mask = sample("meadow-ball-mask.png");
        Path readOnly = Files.writeString(dir.resolve("kept.png"), "an earlier result");
        readOnly.toFile().setWritable(false);
        Path outDir = Files.createDirectories(dir.resolve("outdir"));
        for (String out : List.of(outDir.toString(), "", dir.resolve("no/such/dir/x.png").toString(), image.toString(),
                readOnly.toString())) {
            err.reset();
            int status = atelier(home, "fill", "--image", image.toString(), "--mask", mask.toString(), "--out", out, "--port", "1");
            assertEquals(2, status, "--out '" + out + "': " + err);
            assertTrue(err.toString().contains("--out"), err.toString());
        }
        assertFalse(Files.exists(dir.resolve("no")), "no directory is created unasked");
        assertEquals(List.of(), partialFiles(dir), "nothing half-written is left");
        assertEquals("an earlier result", Files.readString(readOnly));
        assertTrue(Files.size(image) > 1000, "the input is intact");
        // The variants' outputs are checked too: OUT-2.png is a directory here.
        Files.createDirectories(dir.resolve("v-2.png"));
        err.reset();
        assertEquals(2, atelier(home, "fill", "--image", image.toString(), "--mask", mask.toString(), "--variants", "2",
                "--out", dir.resolve("v.png").toString(), "--port", "1"));
        assertTrue(err.toString().contains("v-2.png"), err.toString());
    }

    @Test
    void theTemporaryOutputHasAnUnpredictableNameAndAPlantedLinkIsNeverFollowed() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim.txt"), "precious");
        Path out = dir.resolve("x.png");
        // What an attacker could plant, knowing the old fixed name.
        Files.createSymbolicLink(dir.resolve("x.png.partial"), victim);
        int status = atelier(AtelierHome.under(dir.resolve("home")), "fill", "--image", sample("meadow-ball.png").toString(),
                "--mask", sample("meadow-ball-mask.png").toString(), "--out", out.toString(), "--port", "1");
        assertEquals(0, status, err.toString());
        assertEquals("precious", Files.readString(victim));
        assertTrue(PngCodec.decodeRgba(Files.readAllBytes(out), Long.MAX_VALUE).width() > 0);
        assertEquals(List.of(), partialFiles(dir).stream().filter(p -> !Files.isSymbolicLink(p)).toList());
    }

    @Test
    void stylesAreListedWithWhetherTheyAreUsableAndShownAsTheirRecipe() throws Exception {
        AtelierHome home = AtelierHome.under(dir.resolve("home"));
        Path styles = Files.createDirectories(home.modelDir().resolve("styles"));
        Files.writeString(styles.resolve("house.json"), "{\"name\": \"House\", \"checkpoint\": [\"anything-v5\"],"
                + " \"prompt\": \"{prompt}, bold ink\"}");
        assertEquals(0, atelier(home, "styles", "list", "--port", "1"), err.toString());
        assertTrue(out.toString().contains("Photo") && out.toString().contains("Line-art colouring"), out.toString());
        assertTrue(out.toString().contains("House") && out.toString().contains("not usable: needs a checkpoint (anything-v5)"),
                out.toString());
        out.reset();
        assertEquals(0, atelier(home, "styles", "show", "House", "--port", "1"), err.toString());
        assertTrue(out.toString().contains("{prompt}, bold ink"), out.toString());
        assertEquals(2, atelier(home, "styles", "show", "Nope", "--port", "1"));
    }

    @Test
    void anImageThatIsADirectoryNamesTheOption() throws Exception {
        int status = atelier(AtelierHome.under(dir.resolve("home")), "fill", "--image", dir.toString(), "--mask",
                sample("meadow-ball-mask.png").toString(), "--out", dir.resolve("o.png").toString(), "--port", "1");
        assertEquals(2, status);
        assertTrue(err.toString().contains("--image") && err.toString().contains("directory"), err.toString());
    }

    @Test
    void aMistypedEngineIsABadRequestExitingWithTwo() throws Exception {
        int status = atelier(AtelierHome.under(dir.resolve("home")), "fill", "--image", sample("meadow-ball.png").toString(),
                "--mask", sample("meadow-ball-mask.png").toString(), "--engine", "patchmtach", "--out",
                dir.resolve("e.png").toString(), "--port", "1");
        assertEquals(2, status, err.toString());
        assertTrue(err.toString().contains("--engine") && err.toString().contains("patchmatch"), err.toString());
    }

    private static List<Path> partialFiles(Path folder) throws Exception {
        try (java.util.stream.Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".partial")).toList();
        }
    }

    @Test
    void interruptingTheCommandCancelsItsJobInTheDaemon() throws Exception {
        // A 3000 px gradient with a 2400 px hole keeps Telea busy for seconds.
        Path image = dir.resolve("big.png");
        Path mask = dir.resolve("big-mask.png");
        Files.write(image, PngCodec.encode(Pictures.gradient(3000)));
        Files.write(mask, PngCodec.encode(Pictures.centredHole(3000, 0.8)));
        try (DaemonFixture fixture = new DaemonFixture(dir.resolve("home"))) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                    AtelierCommand.class.getName(), "fill", "--image", image.toString(), "--mask", mask.toString(),
                    "--out", dir.resolve("never.png").toString(), "--engine", "telea",
                    "--port", String.valueOf(fixture.daemon.port())));
            builder.environment().put("ATELIER_HOME", dir.resolve("home").toString());
            builder.redirectErrorStream(true);
            Process cli = builder.start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(cli.getInputStream(), StandardCharsets.UTF_8));
            Pattern submitted = Pattern.compile("job (\\S+) submitted");
            String jobId = null;
            StringBuilder seen = new StringBuilder();
            for (String line; jobId == null && (line = lines.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher m = submitted.matcher(line);
                if (m.find()) {
                    jobId = m.group(1);
                }
            }
            assertTrue(jobId != null, "the command never reported its job: " + seen);
            cli.destroy(); // SIGTERM, which runs the same shutdown hook as Ctrl-C's SIGINT
            assertTrue(cli.waitFor(30, TimeUnit.SECONDS));
            try (AtelierClient client = fixture.client()) {
                JobState state;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                do {
                    Thread.sleep(50);
                    state = client.status(jobId).getState();
                } while ((state == JobState.RUNNING || state == JobState.QUEUED) && System.nanoTime() < deadline);
                assertEquals(JobState.CANCELLED, state);
            }
            assertTrue(Files.notExists(dir.resolve("never.png")));
        }
    }
}
