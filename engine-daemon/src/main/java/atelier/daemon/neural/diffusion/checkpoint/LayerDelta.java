package atelier.daemon.neural.diffusion.checkpoint;

import ai.djl.ndarray.NDArray;

/**
 * A LoRA-family file's change to one layer's weight W, run as a side path beside W rather than
 * merged into it: merging and un-merging would not give back the base weights bit for bit, and
 * keeping them apart lets requests switch LoRAs and weights without reloading the checkpoint.
 */
public sealed interface LayerDelta {

    /** The artist's weight times the file's own scale (alpha / rank, or 1). */
    float scale();

    /**
     * W + scale * up . mid . down, kept as its thin factors: LoRA and LoCon (no mid; down has the
     * layer's kernel), LyCORIS Tucker (1x1 down and up around a kxk mid), PEFT.
     *
     * @param down (rank, in) for a linear layer, (rank, in, k, k) for a convolution
     * @param mid  null, or (rank, rank, k, k): the kernel between 1x1 factors
     * @param up   (out, rank) or (out, rank, 1, 1)
     */
    record LowRank(NDArray down, NDArray mid, NDArray up, float scale) implements LayerDelta {
    }

    /** W + scale * change, the change as one tensor of the weight's shape: LoHa, LoKr and full .diff layers. */
    record Full(NDArray change, float scale) implements LayerDelta {
    }
}
