package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DJL block of an SD 1.5 network whose place in the tree is its checkpoint key: a child is
 * added under its key segment ("input_blocks", "1", "proj_in") and each parameter is named by
 * its full key ("model.diffusion_model.input_blocks.1.1.proj_in.weight"), so loading a
 * checkpoint is a walk over {@link #getParameters()} (see {@link CheckpointWeights}).
 * The shape each parameter must have is kept beside it, because DJL's Parameter holds either a
 * shape or an array, not both.
 *
 * <p>Blocks run through {@link #apply}: one array in, one out, no NDList wrapping on the hot
 * path; {@link #forwardInternal} calls it for DJL's generic API.
 */
public abstract class NetworkBlock extends AbstractBlock {

    private final String key;
    private final Map<Parameter, Shape> expectedShapes = new LinkedHashMap<>();

    /** @param key the checkpoint key this block stands at ("first_stage_model.decoder"), or "" at a file's root */
    protected NetworkBlock(String key) {
        this.key = key;
    }

    /** This block's checkpoint key. */
    public String key() {
        return key;
    }

    /** The key of something below this block: {@code key + "." + segment}. */
    protected String keyOf(String segment) {
        return key.isEmpty() ? segment : key + "." + segment;
    }

    /** Adds a child at a key segment, without the running number DJL's addChildBlock puts in front. */
    protected final <B extends Block> B child(String segment, B block) {
        children.add(segment, block);
        return block;
    }

    /** Declares a weight named by its full checkpoint key, with the shape the checkpoint must hold. */
    protected final Parameter weight(String segment, long... shape) {
        Parameter parameter = Parameter.builder().setName(keyOf(segment)).setType(Parameter.Type.WEIGHT).build();
        addParameter(parameter);
        expectedShapes.put(parameter, new Shape(shape));
        return parameter;
    }

    /** The shape the checkpoint must hold for one of this block's own parameters. */
    public Shape expectedShape(Parameter parameter) {
        Shape shape = expectedShapes.get(parameter);
        if (shape == null) {
            throw new IllegalArgumentException(parameter.getName() + " is not a parameter of " + key);
        }
        return shape;
    }

    /** The loaded value of a parameter; an IllegalStateException naming it when nothing was loaded. */
    protected static NDArray value(Parameter parameter) {
        if (!parameter.isInitialized()) {
            throw new IllegalStateException("weight '" + parameter.getName() + "' was never loaded");
        }
        return parameter.getArray();
    }

    /** Runs the block on one array. */
    public abstract NDArray apply(NDArray input);

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow()));
    }
}
