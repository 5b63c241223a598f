package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import atelier.daemon.neural.diffusion.checkpoint.LowRankDelta;

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
        for (LowRankDelta delta : deltas()) {
            NDArray low = ai.djl.nn.core.Linear.linear(x, delta.down()).singletonOrThrow();
            y = y.add(ai.djl.nn.core.Linear.linear(low, delta.up()).singletonOrThrow().mul(delta.scale()));
        }
        return y;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape s = inputs[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }
}
