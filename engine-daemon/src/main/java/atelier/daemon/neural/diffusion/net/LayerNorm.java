package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** torch.nn.LayerNorm over the last axis, with weight and bias. */
public final class LayerNorm extends NetworkBlock {

    private final Shape normalized;
    private final float epsilon;
    private final Parameter weight;
    private final Parameter bias;

    public LayerNorm(String key, int width, float epsilon) {
        super(key);
        this.normalized = new Shape(width);
        this.epsilon = epsilon;
        this.weight = weight("weight", width);
        this.bias = weight("bias", width);
    }

    @Override
    public NDArray apply(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalized, value(weight), value(bias), epsilon).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return new Shape[] {inputs[0]};
    }
}
