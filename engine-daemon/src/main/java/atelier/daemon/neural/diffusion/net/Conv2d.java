package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import atelier.daemon.neural.diffusion.checkpoint.LayerDelta;

/** torch.nn.Conv2d with bias: square kernel, padding keeps the size at stride 1 (k / 2). */
public final class Conv2d extends AdaptableLayer {

    private static final Shape ONE = new Shape(1, 1);

    private final int in;
    private final int out;
    private final int kernel;
    private final Shape stride;
    private final Shape padding;
    private final Parameter weight;
    private final Parameter bias;

    public Conv2d(String key, int in, int out, int kernel) {
        this(key, in, out, kernel, 1, kernel / 2);
    }

    public Conv2d(String key, int in, int out, int kernel, int stride, int padding) {
        super(key);
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
        this.weight = weight("weight", out, in, kernel, kernel);
        this.bias = weight("bias", out);
    }

    public int outChannels() {
        return out;
    }

    @Override
    public NDArray apply(NDArray x) {
        NDArray y = ai.djl.nn.convolutional.Conv2d.conv2d(x, value(weight), value(bias), stride, padding, ONE, 1).singletonOrThrow();
        for (LayerDelta delta : deltas()) {
            NDArray change;
            if (delta instanceof LayerDelta.LowRank lowRank) {
                NDArray down = kernel(lowRank.down());
                NDArray low;
                if (lowRank.mid() == null) {
                    // LoCon: the down factor has the layer's kernel, so it takes the layer's stride and padding.
                    low = conv(x, down, stride, new Shape(down.getShape().get(2) / 2, down.getShape().get(3) / 2));
                } else {
                    // Tucker: a 1x1 down, the kxk mid where the layer's stride and padding act, a 1x1 up.
                    NDArray mid = kernel(lowRank.mid());
                    low = conv(conv(x, down, ONE, new Shape(0, 0)), mid, stride,
                            new Shape(mid.getShape().get(2) / 2, mid.getShape().get(3) / 2));
                }
                change = conv(low, kernel(lowRank.up()), ONE, new Shape(0, 0));
            } else {
                change = conv(x, kernel(((LayerDelta.Full) delta).change()), stride, padding);
            }
            y = y.add(change.mul(delta.scale()));
        }
        return y;
    }

    private static NDArray conv(NDArray x, NDArray kernel, Shape stride, Shape padding) {
        return ai.djl.nn.convolutional.Conv2d.conv2d(x, kernel, null, stride, padding, ONE, 1).singletonOrThrow();
    }

    /** A factor as a convolution kernel: a linear-layer LoRA on a 1x1 conv (proj_in/proj_out) comes as 2-D factors. */
    private static NDArray kernel(NDArray factor) {
        return factor.getShape().dimension() == 2 ? factor.expandDims(-1).expandDims(-1) : factor;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape s = inputs[0];
        long h = (s.get(2) + 2 * padding.get(0) - kernel) / stride.get(0) + 1;
        long w = (s.get(3) + 2 * padding.get(1) - kernel) / stride.get(1) + 1;
        return new Shape[] {new Shape(s.get(0), out, h, w)};
    }

    @Override
    public String toString() {
        return "Conv2d(" + in + "->" + out + ", " + kernel + "x" + kernel + ") " + key();
    }
}
