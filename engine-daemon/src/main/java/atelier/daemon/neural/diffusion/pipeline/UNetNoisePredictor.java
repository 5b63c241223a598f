package atelier.daemon.neural.diffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.net.ControlResiduals;
import atelier.daemon.neural.diffusion.net.UNet;
import atelier.daemon.neural.diffusion.sampling.EpsilonModel;
import atelier.daemon.neural.diffusion.sampling.LatentShape;
import atelier.daemon.neural.diffusion.sampling.Latents;
import atelier.daemon.neural.diffusion.sampling.Sampler;
import atelier.daemon.neural.diffusion.sampling.TensorLatents;
import java.util.ArrayList;
import java.util.List;

/**
 * The SD 1.5 UNet as the {@link Sampler} calls it: {@link TensorLatents} in, predicted noise out,
 * conditioned on the text encoder's hidden states (1, 77, 768), optionally steered by a
 * ControlNet ({@link #withControl}). Each call runs in its own manager that is closed before it
 * returns, so only the prediction outlives the step and a cancelled job holds no activations.
 * One predictor serves one sampling run: it notes the Sampler's step for the ControlNet's window.
 */
public final class UNetNoisePredictor implements EpsilonModel<NDArray> {

    private final UNet unet;
    private final DataType computeType;
    private final NDArray inpaintChannels;
    private final ControlGuide control;
    /** The control picture through the ControlNet's hint encoder, once for the run; null without control. */
    private final NDArray encodedHint;
    private boolean controlActs = true;

    /** A text-to-image UNet (4 input channels) computing in {@code computeType}, the type its weights were loaded in. */
    public UNetNoisePredictor(UNet unet, DataType computeType) {
        this(unet, computeType, null);
    }

    /**
     * @param inpaintChannels for the 9-channel inpainting UNet, the mask and the masked picture's
     *     latents (1, 5, H, W) put after the 4 latent channels at every step; null for 4 channels
     */
    public UNetNoisePredictor(UNet unet, DataType computeType, NDArray inpaintChannels) {
        this(unet, computeType, inpaintChannels, null);
    }

    private UNetNoisePredictor(UNet unet, DataType computeType, NDArray inpaintChannels, ControlGuide control) {
        int extra = inpaintChannels == null ? 0 : (int) inpaintChannels.getShape().get(1);
        if (Sd15Widths.LATENT_CHANNELS + extra != unet.widths().unetInChannels()) {
            throw new IllegalArgumentException("this UNet takes " + unet.widths().unetInChannels() + " input channels, not "
                    + Sd15Widths.LATENT_CHANNELS + " latent and " + extra + " inpainting channels");
        }
        if (control != null && control.network().widths().modelChannels() != unet.widths().modelChannels()) {
            throw new IllegalArgumentException("a ControlNet " + control.network().widths().modelChannels()
                    + " channels wide for a UNet " + unet.widths().modelChannels() + " wide");
        }
        this.unet = unet;
        this.computeType = computeType;
        this.inpaintChannels = inpaintChannels;
        this.control = control;
        // The hint encoder sees only the picture, so one pass serves every step; the result lives with the picture.
        this.encodedHint = control == null || control.strength() == 0 ? null
                : control.network().encodeHint(control.picture().toType(computeType, false));
    }

    /**
     * This UNet steered by a ControlNet: each step it acts in, the ControlNet runs on the same
     * latents, timestep and text as the UNet (both guidance branches see the same picture) and
     * its residuals, times the strength, are added to the UNet's skips and middle block.
     */
    public UNetNoisePredictor withControl(ControlGuide guide) {
        return new UNetNoisePredictor(unet, computeType, inpaintChannels, guide);
    }

    @Override
    public void beginStep(int step, int steps) {
        controlActs = control != null && control.actsAt(step, steps);
    }

    @Override
    public Latents predictNoise(Latents input, double timestep, NDArray context) {
        return predictBatch(List.of(input), timestep, List.of(context)).get(0);
    }

    /**
     * Several predictions per UNet (and ControlNet) pass: a step's guidance branches and the
     * request's variants go through together, so the weights are read once for all of them,
     * which is where a CPU spends its time. Passes hold at most {@link #batchLimit} inputs.
     */
    @Override
    public List<Latents> predictNoiseMany(List<Latents> inputs, double timestep, List<NDArray> conditionings) {
        if (inputs.size() != conditionings.size()) {
            throw new IllegalArgumentException(inputs.size() + " inputs for " + conditionings.size() + " conditionings");
        }
        if (batchLimit == 0) {
            batchLimit = batchLimit(inputs.get(0).shape());
        }
        int limit = batchLimit;
        List<Latents> out = new ArrayList<>(inputs.size());
        for (int from = 0; from < inputs.size(); from += limit) {
            int to = Math.min(inputs.size(), from + limit);
            out.addAll(predictBatch(inputs.subList(from, to), timestep, conditionings.subList(from, to)));
        }
        return out;
    }

    /** Inputs a pass may hold, read once for the run (the latents' size does not change within one). */
    private int batchLimit;

    /** Activation memory one input of a UNet pass needs per latent position (measured about half this at 64x64, fp32). */
    static final long BYTES_PER_LATENT_POSITION = 200_000;
    /** The most inputs one pass takes on a GPU, where free memory is not read: 4 fit an 8 GB card at 512x512 in fp16. */
    static final int GPU_BATCH = 4;
    /**
     * The most inputs one pass takes on a CPU. Measured at 512x512 on 2 cores: a guided step's
     * two branches in one pass take 10.3 s against 8.4 s for one, but a pass of 6 (3 variants)
     * took about 60 s, more than three passes of 2: past 2 the CPU is compute-bound and larger
     * passes only add memory traffic.
     */
    static final int CPU_BATCH = 2;
    static final int MAX_BATCH = 8;

    /** How many inputs of this size one pass may hold: what half the free memory holds, at most {@link #CPU_BATCH} on a CPU. */
    int batchLimit(LatentShape shape) {
        if (unet.widths().modelChannels() < Sd15Widths.SD15.modelChannels() / 4) {
            return MAX_BATCH; // tiny test networks need next to nothing
        }
        if (computeType != DataType.FLOAT32) {
            return GPU_BATCH;
        }
        long perInput = BYTES_PER_LATENT_POSITION * shape.height() * shape.width();
        return (int) Math.max(1, Math.min(CPU_BATCH, availableMemory() / 2 / perInput));
    }

    private static long availableMemory() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Not Linux: fall back to one input a pass.
        }
        return 0;
    }

    private List<Latents> predictBatch(List<Latents> inputs, double timestep, List<NDArray> conditionings) {
        NDManager owner = null;
        NDList xs = new NDList();
        for (Latents input : inputs) {
            if (!(input instanceof TensorLatents latents)) {
                throw new IllegalArgumentException("the UNet runs on TensorLatents, not " + input.getClass().getSimpleName());
            }
            owner = owner == null ? latents.array().getManager() : owner;
            xs.add(latents.array());
        }
        int n = inputs.size();
        try (NDManager step = owner.newSubManager()) {
            NDArray x = (n == 1 ? xs.get(0) : NDArrays.concat(xs, 0)).toType(computeType, true);
            x.attach(step);
            float[] times = new float[n];
            java.util.Arrays.fill(times, (float) timestep);
            NDArray t = step.create(times);
            NDList texts = new NDList();
            for (NDArray c : conditionings) {
                texts.add(as(c, step));
            }
            NDArray text = n == 1 ? texts.get(0) : NDArrays.concat(texts, 0);
            ControlResiduals residuals = null;
            if (encodedHint != null && controlActs) {
                NDArray hints = n == 1 ? encodedHint : NDArrays.concat(new NDList(java.util.Collections.nCopies(n, encodedHint)), 0);
                residuals = control.network().residuals(x, hints, t, text, (float) control.strength());
            }
            if (inpaintChannels != null) {
                NDArray extra = as(inpaintChannels, step);
                NDArray extras = n == 1 ? extra : NDArrays.concat(new NDList(java.util.Collections.nCopies(n, extra)), 0);
                x = NDArrays.concat(new NDList(x, extras), 1);
            }
            NDArray noise = unet.predictNoise(x, t, text, residuals).toType(DataType.FLOAT32, false);
            List<Latents> out = new ArrayList<>(n);
            for (NDArray one : n == 1 ? new NDList(noise) : noise.split(n, 0)) {
                NDArray kept = one.duplicate();
                kept.attach(owner);
                out.add(TensorLatents.of(kept));
            }
            return out;
        }
    }

    /** {@code array} in the compute type; a converted copy belongs to the step. */
    private NDArray as(NDArray array, NDManager step) {
        if (array.getDataType() == computeType) {
            return array;
        }
        NDArray converted = array.toType(computeType, false);
        converted.attach(step);
        return converted;
    }
}
