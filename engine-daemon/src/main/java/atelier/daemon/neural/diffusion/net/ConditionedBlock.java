package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A UNet block that takes the time embedding and the text context besides its input (ldm's
 * TimestepBlock and SpatialTransformer, and the TimestepEmbedSequential holding them).
 */
abstract class ConditionedBlock extends NetworkBlock {

    ConditionedBlock(String key) {
        super(key);
    }

    /**
     * @param x (B, C, H, W)
     * @param timeEmbedding (B, 4 * model channels)
     * @param context (B, tokens, text width)
     */
    abstract NDArray apply(NDArray x, NDArray timeEmbedding, NDArray context);

    /** Runs {@code block} with what it takes: the conditioned blocks get the embedding and context too. */
    static NDArray run(NetworkBlock block, NDArray x, NDArray timeEmbedding, NDArray context) {
        return block instanceof ConditionedBlock conditioned ? conditioned.apply(x, timeEmbedding, context) : block.apply(x);
    }

    @Override
    public final NDArray apply(NDArray x) {
        throw new UnsupportedOperationException(key() + " needs the time embedding and the context as well");
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.get(0), inputs.get(1), inputs.get(2)));
    }
}
