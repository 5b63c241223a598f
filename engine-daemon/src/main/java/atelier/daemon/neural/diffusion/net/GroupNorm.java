package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;

/**
 * torch.nn.GroupNorm over NCHW. DJL has no group norm, so the channels are folded into
 * (N, groups, C/groups * H * W) and normalised by libtorch's layer_norm over the last axis
 * (one fused kernel, the same mean and biased variance), then scaled per channel.
 */
public final class GroupNorm extends NetworkBlock {

    private final int groups;
    private final int channels;
    private final float epsilon;
    private final Parameter weight;
    private final Parameter bias;

    public GroupNorm(String key, int groups, int channels, float epsilon) {
        super(key);
        if (channels % groups != 0) {
            throw new IllegalArgumentException(key + ": " + channels + " channels do not split into " + groups + " groups");
        }
        this.groups = groups;
        this.channels = channels;
        this.epsilon = epsilon;
        this.weight = weight("weight", channels);
        this.bias = weight("bias", channels);
    }

    @Override
    public NDArray apply(NDArray x) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long perGroup = shape.size() / batch / groups;
        Shape groupShape = new Shape(perGroup);
        NDArray grouped = x.reshape(batch, groups, perGroup);
        try (NDArray ones = grouped.getManager().ones(groupShape, x.getDataType(), x.getDevice());
             NDArray zeros = grouped.getManager().zeros(groupShape, x.getDataType(), x.getDevice())) {
            NDArray normalised = LayerNorm.layerNorm(grouped, groupShape, ones, zeros, epsilon).singletonOrThrow()
                    .reshape(shape);
            long[] perChannel = new long[shape.dimension()];
            java.util.Arrays.fill(perChannel, 1);
            perChannel[1] = channels;
            Shape channelShape = new Shape(perChannel);
            return normalised.mul(value(weight).reshape(channelShape)).add(value(bias).reshape(channelShape));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return new Shape[] {inputs[0]};
    }
}
