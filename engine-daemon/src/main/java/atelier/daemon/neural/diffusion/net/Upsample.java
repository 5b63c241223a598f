package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** ldm's openaimodel.Upsample: nearest-neighbour doubling, then a 3x3 conv. */
final class Upsample extends NetworkBlock {

    private final Conv2d conv;

    Upsample(String key, int channels) {
        super(key);
        conv = child("conv", new Conv2d(keyOf("conv"), channels, channels, 3));
    }

    @Override
    public NDArray apply(NDArray x) {
        return Scoped.compute(() -> conv.apply(doubled(x)));
    }

    /** Each pixel copied into a 2x2 square: a broadcast over two new unit axes, made contiguous by the reshape. */
    static NDArray doubled(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        return x.reshape(b, c, h, 1, w, 1).broadcast(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape s = inputs[0];
        return new Shape[] {new Shape(s.get(0), s.get(1), 2 * s.get(2), 2 * s.get(3))};
    }
}
