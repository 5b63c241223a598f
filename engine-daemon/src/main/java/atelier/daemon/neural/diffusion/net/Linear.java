package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import atelier.daemon.neural.diffusion.checkpoint.LayerDelta;

/** torch.nn.Linear on the last axis, with or without bias (the attention projections have none). */
public final class Linear extends AdaptableLayer {

    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(String key, int in, int out, boolean withBias) {
        super(key);
        this.out = out;
        this.weight = weight("weight", out, in);
        this.bias = withBias ? weight("bias", out) : null;
    }

    @Override
    public NDArray apply(NDArray x) {
        NDArray y = ai.djl.nn.core.Linear.linear(x, value(weight), bias == null ? null : value(bias)).singletonOrThrow();
        for (LayerDelta delta : deltas()) {
            NDArray change;
            if (delta instanceof LayerDelta.LowRank lowRank) {
                NDArray low = ai.djl.nn.core.Linear.linear(x, matrix(lowRank.down())).singletonOrThrow();
                if (lowRank.mid() != null) {
                    low = ai.djl.nn.core.Linear.linear(low, matrix(lowRank.mid())).singletonOrThrow();
                }
                change = ai.djl.nn.core.Linear.linear(low, matrix(lowRank.up())).singletonOrThrow();
            } else {
                change = ai.djl.nn.core.Linear.linear(x, matrix(((LayerDelta.Full) delta).change())).singletonOrThrow();
            }
            y = y.add(change.mul(delta.scale()));
        }
        return y;
    }

    /** A factor as a matrix: PEFT files store a linear layer's factors as 1x1 convolutions at times. */
    private static NDArray matrix(NDArray factor) {
        return factor.getShape().dimension() == 4 ? factor.reshape(factor.getShape().get(0), factor.getShape().get(1)) : factor;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape s = inputs[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }
}
