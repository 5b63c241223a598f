package atelier.daemon.bench;

import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EngineInfo;
import atelier.bridge.thrift.FlatsOutput;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Picture;
import atelier.bridge.thrift.PixelFormat;
import atelier.daemon.image.Bounds;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Margins;
import atelier.daemon.image.Mask;
import atelier.daemon.image.Raster;
import atelier.daemon.jobs.Progress;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import atelier.daemon.neural.diffusion.pipeline.InpaintPipeline;
import atelier.daemon.neural.diffusion.pipeline.Sd15Model;
import atelier.daemon.ops.DiffusionSettings;
import atelier.daemon.ops.EditOrder;
import atelier.daemon.ops.EditOutcome;
import atelier.daemon.ops.Inpaint;
import atelier.daemon.ops.InpaintEngine;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.thrift.TDeserializer;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TBinaryProtocol;

/**
 * One inpaint of a 512x512 picture with a full-size SD 1.5 model (random weights, no download)
 * for 1, 4 and 20 steps, the time split into text encoding, sampling, VAE (encode + decode) and
 * Atelier's own overhead: the Inpaint edit's crop, resizing, colour matching and paste-back
 * (the whole edit's time minus the networks'), plus the request and result going through
 * Thrift's binary protocol (serialised and read back, as the loopback transport does).
 * Target: overhead under 5 % of the total.
 *
 * <p>Run: {@code ./bench inpaint [STEPS...]} (default 1 4 20).
 */
public final class InpaintBenchmark {

    public static void main(String[] args) throws Exception {
        int[] stepCounts = args.length == 0 ? new int[] {1, 4, 20} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        TorchRuntime runtime = TorchRuntime.detect();
        try (Sd15Model model = Sd15Model.withRandomWeights("sd15-random", Sd15Widths.SD15, runtime)) {
            Extent extent = new Extent(512, 512);
            Raster picture = Raster.blank(extent);
            byte[] rgba = picture.rgba();
            for (int i = 0; i < rgba.length; i++) {
                rgba[i] = (byte) (i % 4 == 3 ? 255 : (i * 37 / 5) % 256);
            }
            Mask mask = Mask.empty(extent);
            for (int y = 160; y < 352; y++) {
                for (int x = 128; x < 384; x++) {
                    mask.set(x, y, 255);
                }
            }
            System.out.printf("Inpaint, 512x512 picture, 256x192 selection, full-size SD 1.5 (random weights), %s, "
                    + "guidance 7.5 (both branches batched), load average %s%n", runtime.describe(), loadAverage());
            System.out.printf("%6s %9s %9s %9s %9s %9s %9s %8s%n", "steps", "total s", "text s", "sampling", "VAE s", "overhead",
                    "thrift s", "overhead");
            run(model, picture, mask, 1, true); // warm-up: first calls allocate and pick kernels
            for (int steps : stepCounts) {
                run(model, picture, mask, steps, false);
            }
        }
    }

    private static void run(Sd15Model model, Raster picture, Mask mask, int steps, boolean warmUp) throws Exception {
        Map<String, Long> stageStart = new LinkedHashMap<>();
        Progress clock = (fraction, stage) -> stageStart.putIfAbsent(stage, System.nanoTime());
        InpaintEngine engine = new InpaintEngine() {
            @Override
            public EngineInfo info() {
                return new EngineInfo(model.name(), "model", "benchmark");
            }

            @Override
            public void check(DiffusionSettings settings) {
            }

            @Override
            public List<Raster> inpaint(Raster region, Mask selection, Prompted request, Progress progress,
                                        Map<String, String> details)
                    throws atelier.daemon.jobs.JobCancelledException {
                try {
                    return InpaintPipeline.run(model, region, selection, new InpaintPipeline.Settings(request.prompt(),
                            request.negativePrompt(), request.strength(), request.steps(), request.settings().scheduler(),
                            request.settings().guidance(), request.seeds(), request.settings().maskGrow(),
                            request.settings().maskFeather(), List.of()), progress).regions();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        long thriftStart = System.nanoTime();
        EditRequest request = new EditRequest(Operation.INPAINT, rgba(picture)).setMask(grey(mask)).setPrompt("a red bicycle");
        EditRequest received = new EditRequest();
        new TDeserializer(new TBinaryProtocol.Factory()).deserialize(received,
                new TSerializer(new TBinaryProtocol.Factory()).serialize(request));
        long thriftIn = System.nanoTime() - thriftStart;

        long start = System.nanoTime();
        EditOrder order = new EditOrder(Operation.INPAINT, picture, mask, null, "a red bicycle", "", 7, 1.0, steps, 1, "auto",
                Margins.NONE, null, false, FlatsOutput.UNDERLAY, 4, null, DiffusionSettings.DEFAULTS);
        EditOutcome outcome = new Inpaint(List.of(engine), "").prepare(order).run(clock);
        long end = System.nanoTime();

        long resultStart = System.nanoTime();
        Raster patch = outcome.layers().get(0).pixels();
        new TDeserializer(new TBinaryProtocol.Factory()).deserialize(new Picture(),
                new TSerializer(new TBinaryProtocol.Factory()).serialize(rgba(patch)));
        long thrift = thriftIn + System.nanoTime() - resultStart;
        if (warmUp) {
            return;
        }
        long encodeStart = stageStart.get("encoding");
        long prompt = stageStart.get("reading the prompt");
        long sampling = stageStart.get("sampling");
        long decoding = stageStart.get("decoding");
        long decoded = stageStart.get("matching colours");
        double text = (sampling - prompt) / 1e9;
        double sample = (decoding - sampling) / 1e9;
        double vae = ((prompt - encodeStart) + (decoded - decoding)) / 1e9;
        double total = (end - start + thrift) / 1e9;
        double overhead = total - text - sample - vae;
        System.out.printf("%6d %9.2f %9.2f %9.2f %9.2f %9.3f %9.3f %7.2f%%%n", steps, total, text, sample, vae, overhead,
                thrift / 1e9, 100 * overhead / total);
    }

    private static Picture rgba(Raster raster) {
        return new Picture(PixelFormat.RGBA8, raster.width(), raster.height(), ByteBuffer.wrap(raster.rgba()));
    }

    private static Picture grey(Mask mask) {
        return new Picture(PixelFormat.GRAY8, mask.extent().width(), mask.extent().height(), ByteBuffer.wrap(mask.values()));
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
