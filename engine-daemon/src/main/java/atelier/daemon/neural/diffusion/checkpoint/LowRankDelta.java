package atelier.daemon.neural.diffusion.checkpoint;

import ai.djl.ndarray.NDArray;

/**
 * A LoRA's change to one layer, W + scale * up . down, kept as its two thin factors and run as
 * a side path (x . down^T . up^T) rather than merged into W: merging and un-merging would not
 * give back the base weights bit for bit, and keeping them apart lets requests switch LoRAs
 * and weights without reloading the checkpoint.
 *
 * @param down (rank, in) for a linear layer, (rank, in, k, k) for a convolution
 * @param up (out, rank) for a linear layer, (out, rank, 1, 1) for a convolution
 * @param scale the artist's weight times the file's alpha / rank
 */
public record LowRankDelta(NDArray down, NDArray up, float scale) {
}
