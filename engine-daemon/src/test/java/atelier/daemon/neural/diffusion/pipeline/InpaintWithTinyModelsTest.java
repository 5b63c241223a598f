package atelier.daemon.neural.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.InvalidRequest;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Unsupported;
import atelier.daemon.AtelierDaemon;
import atelier.daemon.image.Bounds;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Margins;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.InstalledModels;
import atelier.daemon.neural.diffusion.TinyCheckpoint;
import atelier.daemon.neural.diffusion.checkpoint.DType;
import atelier.daemon.neural.diffusion.text.TinyClipVocabulary;
import atelier.daemon.ops.DiffusionSettings;
import atelier.daemon.ops.Edit;
import atelier.daemon.ops.EditOrder;
import atelier.daemon.ops.EditOutcome;
import atelier.daemon.ops.ResultLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inpaint end to end with tiny checkpoints of the exact SD 1.5 layout in a model directory:
 * found by the registry, loaded by the real loader, run by the real pipeline.
 */
class InpaintWithTinyModelsTest {

    @TempDir
    static Path models;

    private static InstalledModels installed;
    private static Edit inpaint;

    @BeforeAll
    static void modelDirectory() throws Exception {
        TinyCheckpoint.sd15Inpainting(models.resolve("tiny-inpainting.safetensors"), DType.F16, 11);
        TinyCheckpoint.sd15(models.resolve("tiny-base.safetensors"), DType.F32, 12);
        TinyCheckpoint.lora(models.resolve("inky-style.safetensors"), 4, DType.F16, 13);
        TinyCheckpoint.lora(models.resolve("paper-grain.safetensors"), 2, DType.F32, 14);
        TinyCheckpoint.vae(models.resolve("tiny-vae-ft.safetensors"), DType.F32, 15);
        new TinyClipVocabulary().writeVocabAndMerges(models.resolve("clip-tokenizer"));
        installed = InstalledModels.scan(models).withArchitecture(TinyCheckpoint.TINY);
        inpaint = AtelierDaemon.catalog(installed).edit(Operation.INPAINT);
    }

    @AfterAll
    static void unload() {
        installed.close();
    }

    private static Raster picture(Extent extent) {
        Raster r = Raster.blank(extent);
        byte[] rgba = r.rgba();
        for (int y = 0; y < extent.height(); y++) {
            for (int x = 0; x < extent.width(); x++) {
                int i = 4 * (y * extent.width() + x);
                rgba[i] = (byte) (2 * x);
                rgba[i + 1] = (byte) (3 * y);
                rgba[i + 2] = (byte) (x * y % 251);
                rgba[i + 3] = (byte) 255;
            }
        }
        return r;
    }

    private static Mask selection(Extent extent, Bounds selected) {
        Mask mask = Mask.empty(extent);
        for (int y = selected.y(); y < selected.bottom(); y++) {
            for (int x = selected.x(); x < selected.right(); x++) {
                mask.set(x, y, 255);
            }
        }
        return mask;
    }

    private static EditOrder order(Raster image, Mask mask, String engine, int variants, long seed, DiffusionSettings settings) {
        return new EditOrder(Operation.INPAINT, image, mask, null, "a cat", "a dog", seed, 1.0, 3, variants, engine, Margins.NONE,
                null, false, FlatsOutput.UNDERLAY, 4, null, settings);
    }

    private static DiffusionSettings settings(List<DiffusionSettings.Lora> loras) {
        return new DiffusionSettings("euler-a", 5, loras, 4, 4);
    }

    /** The patch composited over the original: every pixel the selection leaves out must be the original's. */
    private static void assertOnlyTheSelectionChanged(Raster image, Mask mask, ResultLayer layer) {
        Bounds hole = mask.bounds();
        assertEquals(hole.x(), layer.x());
        assertEquals(hole.y(), layer.y());
        assertEquals(hole.extent(), layer.pixels().extent());
        boolean changed = false;
        for (int y = 0; y < hole.height(); y++) {
            for (int x = 0; x < hole.width(); x++) {
                for (int c = 0; c < 4; c++) {
                    int before = image.channel(hole.x() + x, hole.y() + y, c);
                    int after = layer.pixels().channel(x, y, c);
                    if (mask.at(hole.x() + x, hole.y() + y) == 0) {
                        assertEquals(before, after, "outside the selection at " + x + "," + y);
                    } else {
                        changed |= before != after;
                    }
                }
            }
        }
        assertTrue(changed, "the selection was not repainted");
    }

    @Test
    void bothKindsOfCheckpointAreFoundTheInpaintingOneFirst() {
        assertEquals(List.of("tiny-inpainting", "tiny-base"), inpaint.engines().stream().map(e -> e.getName()).toList());
    }

    @Test
    void onlyTheSelectionIsRepaintedWithEitherModel() throws Exception {
        Extent extent = new Extent(96, 80);
        Raster image = picture(extent);
        Mask mask = selection(extent, new Bounds(30, 20, 25, 19));
        mask.set(31, 21, 0); // a hole in the selection stays untouched too
        for (String engine : List.of("tiny-inpainting", "tiny-base")) {
            EditOutcome outcome = inpaint.prepare(order(image, mask, engine, 1, 5, settings(List.of()))).run(Progress.NONE);
            assertEquals(engine, outcome.engine());
            assertEquals(extent, outcome.canvas());
            assertOnlyTheSelectionChanged(image, mask, outcome.layers().get(0));
            assertEquals("euler-a", outcome.details().get("scheduler"));
            assertEquals(engine, outcome.details().get("model"));
            assertEquals("5", outcome.details().get("seed"));
        }
    }

    @Test
    void progressRisesThroughEncodingSamplingAndDecodingWithPreviewsOnTheWay() throws Exception {
        Extent extent = new Extent(64, 64);
        List<Double> fractions = new java.util.ArrayList<>();
        List<String> stages = new java.util.ArrayList<>();
        List<Raster> previews = new java.util.ArrayList<>();
        Progress watched = new Progress() {
            @Override
            public void step(double fraction, String stage) {
                fractions.add(fraction);
                stages.add(stage);
            }

            @Override
            public void preview(Raster picture) {
                previews.add(picture);
            }
        };
        inpaint.prepare(new EditOrder(Operation.INPAINT, picture(extent), selection(extent, new Bounds(8, 8, 20, 20)), null, "",
                "", 1, 1.0, 4, 1, "tiny-base", Margins.NONE, null, false, FlatsOutput.UNDERLAY, 4, null, settings(List.of())))
                .run(watched);
        for (int i = 1; i < fractions.size(); i++) {
            assertTrue(fractions.get(i) >= fractions.get(i - 1), "progress went back at " + i + ": " + fractions);
        }
        assertTrue(stages.containsAll(List.of("loading model", "encoding", "sampling", "decoding")), stages.toString());
        assertEquals(2, previews.size());
        // One preview pixel per latent position: the 512x512 working size over the VAE's 8.
        assertEquals(new Extent(64, 64), previews.get(0).extent());
    }

    @Test
    void selectionsAtTheCanvasEdgesAndOfOddSizesLandWhereTheyWere() throws Exception {
        Extent extent = new Extent(131, 77);
        Raster image = picture(extent);
        for (Bounds selected : List.of(new Bounds(0, 0, 7, 5), new Bounds(120, 60, 11, 17), new Bounds(0, 30, 131, 3),
                new Bounds(64, 0, 1, 77))) {
            Mask mask = selection(extent, selected);
            EditOutcome outcome = inpaint.prepare(order(image, mask, "tiny-inpainting", 1, 9, settings(List.of())))
                    .run(Progress.NONE);
            assertOnlyTheSelectionChanged(image, mask, outcome.layers().get(0));
        }
    }

    @Test
    void variantsDifferAndEachIsReproducibleFromItsSeed() throws Exception {
        Extent extent = new Extent(64, 64);
        Raster image = picture(extent);
        Mask mask = selection(extent, new Bounds(16, 16, 30, 30));
        EditOutcome first = inpaint.prepare(order(image, mask, "tiny-base", 2, 40, settings(List.of()))).run(Progress.NONE);
        assertEquals(40, first.layers().get(0).seed());
        assertEquals(41, first.layers().get(1).seed());
        assertNotEquals(first.layers().get(0).pixels(), first.layers().get(1).pixels());
        EditOutcome again = inpaint.prepare(order(image, mask, "tiny-base", 1, 41, settings(List.of()))).run(Progress.NONE);
        assertEquals(first.layers().get(1).pixels(), again.layers().get(0).pixels());
    }

    @Test
    void aStandaloneVaeReplacesTheCheckpointsOwnForOneRequestAndAnUnknownOneIsNamed() throws Exception {
        Extent extent = new Extent(64, 64);
        Raster image = picture(extent);
        Mask mask = selection(extent, new Bounds(10, 12, 40, 30));
        DiffusionSettings own = settings(List.of());
        DiffusionSettings other = new DiffusionSettings("euler-a", 5, List.of(), 4, 4, 1, "tiny-vae-ft");
        Raster plain = inpaint.prepare(order(image, mask, "tiny-base", 1, 3, own)).run(Progress.NONE).layers().get(0).pixels();
        EditOutcome withVae = inpaint.prepare(order(image, mask, "tiny-base", 1, 3, other)).run(Progress.NONE);
        assertNotEquals(plain, withVae.layers().get(0).pixels());
        assertEquals("tiny-vae-ft", withVae.details().get("vae"));
        assertEquals(plain, inpaint.prepare(order(image, mask, "tiny-base", 1, 3, own)).run(Progress.NONE).layers().get(0).pixels(),
                "the checkpoint's VAE is back for the next request");
        InvalidRequest unknown = assertThrows(InvalidRequest.class, () -> inpaint.prepare(order(image, mask, "tiny-base", 1, 3,
                new DiffusionSettings("euler-a", 5, List.of(), 4, 4, 1, "vae-ft-mse"))));
        assertEquals("vae", unknown.getField());
        assertTrue(unknown.getReason().contains("tiny-vae-ft"), unknown.getReason());
    }

    @Test
    void aLoraAtWeightZeroChangesNothingAndAtWeightOneChangesTheResultTheSameWayEachTime() throws Exception {
        Extent extent = new Extent(64, 64);
        Raster image = picture(extent);
        Mask mask = selection(extent, new Bounds(10, 12, 40, 30));
        Raster plain = inpaint.prepare(order(image, mask, "tiny-base", 1, 3, settings(List.of()))).run(Progress.NONE)
                .layers().get(0).pixels();
        Raster zero = inpaint.prepare(order(image, mask, "tiny-base", 1, 3,
                settings(List.of(new DiffusionSettings.Lora("inky-style", 0))))).run(Progress.NONE).layers().get(0).pixels();
        assertArrayEquals(plain.rgba(), zero.rgba());
        EditOutcome styled = inpaint.prepare(order(image, mask, "tiny-base", 1, 3,
                settings(List.of(new DiffusionSettings.Lora("inky-style", 1))))).run(Progress.NONE);
        assertNotEquals(plain, styled.layers().get(0).pixels());
        assertEquals("inky-style:1.0", styled.details().get("loras"));
        assertTrue(styled.details().get("lora_layers").matches("inky-style: [1-9][0-9]* layers"), styled.details().toString());
        Raster styledAgain = inpaint.prepare(order(image, mask, "tiny-base", 1, 3,
                settings(List.of(new DiffusionSettings.Lora("inky-style", 1))))).run(Progress.NONE).layers().get(0).pixels();
        assertEquals(styled.layers().get(0).pixels(), styledAgain);
        // The LoRA is off again for the next request.
        assertEquals(plain, inpaint.prepare(order(image, mask, "tiny-base", 1, 3, settings(List.of()))).run(Progress.NONE)
                .layers().get(0).pixels());
    }

    @Test
    void outpaintWithAModelMakesTheRequestedCanvasAndKeepsTheOriginal() throws Exception {
        Raster image = picture(new Extent(48, 40));
        Edit outpaint = AtelierDaemon.catalog(installed).edit(Operation.OUTPAINT);
        assertEquals("tiny-inpainting", outpaint.engines().get(0).getName());
        EditOrder order = new EditOrder(Operation.OUTPAINT, image, null, null, "sky", "", 7, 1.0, 3, 1, "auto",
                new Margins(16, 0, 0, 9), null, false, FlatsOutput.UNDERLAY, 4, null, settings(List.of()));
        EditOutcome outcome = outpaint.prepare(order).run(Progress.NONE);
        assertEquals("tiny-inpainting", outcome.engine());
        assertEquals(new Extent(64, 49), outcome.canvas());
        assertEquals(16, outcome.originX());
        Raster result = outcome.layers().get(0).pixels();
        assertEquals(new Extent(64, 49), result.extent());
        // Away from the seam band the original is untouched; the new area was painted (opaque).
        for (int y = 0; y < 40 - 16; y++) {
            for (int x = 16; x < 48; x++) {
                for (int c = 0; c < 4; c++) {
                    assertEquals(image.channel(x, y, c), result.channel(16 + x, y, c), "original at " + x + "," + y);
                }
            }
        }
        assertEquals(255, result.channel(3, 45, 3));
        assertEquals("0.85", outcome.details().get("strength"));
    }

    @Test
    void contentFillCanUseAModelByNameAndKeepsEverythingOutsideTheSelection() throws Exception {
        Extent extent = new Extent(64, 64);
        Raster image = picture(extent);
        Mask mask = selection(extent, new Bounds(20, 24, 17, 13));
        Edit fill = AtelierDaemon.catalog(installed).edit(Operation.CONTENT_FILL);
        assertEquals("patchmatch", fill.engines().get(0).getName());
        EditOrder order = new EditOrder(Operation.CONTENT_FILL, image, mask, null, "", "", 2, 0.7, 3, 1, "tiny-base",
                Margins.NONE, null, false, FlatsOutput.UNDERLAY, 4, null, settings(List.of()));
        EditOutcome outcome = fill.prepare(order).run(Progress.NONE);
        assertEquals("tiny-base", outcome.engine());
        assertOnlyTheSelectionChanged(image, mask, outcome.layers().get(0));
        assertEquals("patchmatch", outcome.details().get("prefill"));
    }

    @Test
    void severalLorasApplyTogetherAndHalvesOfOneAddUpToTheWhole() throws Exception {
        Extent extent = new Extent(64, 64);
        Raster image = picture(extent);
        Mask mask = selection(extent, new Bounds(10, 12, 40, 30));
        java.util.function.Function<List<DiffusionSettings.Lora>, Raster> run = loras -> {
            try {
                return inpaint.prepare(order(image, mask, "tiny-base", 1, 3, settings(loras))).run(Progress.NONE).layers().get(0)
                        .pixels();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        Raster one = run.apply(List.of(new DiffusionSettings.Lora("inky-style", 1)));
        Raster both = run.apply(List.of(new DiffusionSettings.Lora("inky-style", 1), new DiffusionSettings.Lora("paper-grain", 1)));
        assertNotEquals(one, both);
        assertEquals(both, run.apply(List.of(new DiffusionSettings.Lora("inky-style", 1), new DiffusionSettings.Lora("paper-grain", 1))));
        Raster halves = run.apply(List.of(new DiffusionSettings.Lora("inky-style", 0.5), new DiffusionSettings.Lora("inky-style", 0.5)));
        byte[] a = one.rgba();
        byte[] b = halves.rgba();
        for (int i = 0; i < a.length; i++) {
            assertTrue(Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)) <= 1, "two halves differ from the whole at " + i);
        }
    }

    @Test
    void anUnknownLoraIsNamedBeforeAnyWorkStarts() {
        Extent extent = new Extent(32, 32);
        InvalidRequest e = assertThrows(InvalidRequest.class, () -> inpaint.prepare(order(picture(extent),
                selection(extent, new Bounds(4, 4, 8, 8)), "auto", 1, 1, settings(List.of(new DiffusionSettings.Lora("nope", 1))))));
        assertEquals("loras", e.getField());
        assertTrue(e.getReason().contains("inky-style") && e.getReason().contains("paper-grain"), e.getReason());
    }

    @Test
    void aCheckpointAloneWorksWithTheTokenizerInsideAtelier(@TempDir Path bare) throws Exception {
        Files.copy(models.resolve("tiny-base.safetensors"), bare.resolve("tiny-base.safetensors"));
        try (InstalledModels alone = InstalledModels.scan(bare).withArchitecture(TinyCheckpoint.TINY)) {
            Edit edit = AtelierDaemon.catalog(alone).edit(Operation.INPAINT);
            assertEquals(List.of("tiny-base"), edit.engines().stream().map(e -> e.getName()).toList());
            Extent extent = new Extent(32, 32);
            Raster image = picture(extent);
            Mask mask = selection(extent, new Bounds(4, 4, 8, 8));
            assertOnlyTheSelectionChanged(image, mask, edit.prepare(order(image, mask, "auto", 1, 1, settings(List.of())))
                    .run(Progress.NONE).layers().get(0));
        }
    }

    @Test
    void withoutACheckpointInpaintSaysWhatToInstall(@TempDir Path empty) throws Exception {
        try (InstalledModels none = InstalledModels.scan(empty)) {
            Edit edit = AtelierDaemon.catalog(none).edit(Operation.INPAINT);
            assertTrue(edit.engines().isEmpty());
            Extent extent = new Extent(32, 32);
            Unsupported e = assertThrows(Unsupported.class, () -> edit.prepare(order(picture(extent),
                    selection(extent, new Bounds(4, 4, 8, 8)), "auto", 1, 1, settings(List.of()))));
            assertTrue(e.getHowToEnable().contains("atelier models install sd15-inpainting"), e.getHowToEnable());
        }
    }
}
