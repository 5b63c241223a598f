package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * TAESD, madebyollin's tiny autoencoder for SD 1.x latents (MIT): 64-channel conv blocks, three
 * halvings or doublings, about 1.2 M parameters a side against the VAE's 84 M, so a preview or a
 * fast decode costs milliseconds. Its two files ({@code taesd_encoder.safetensors},
 * {@code taesd_decoder.safetensors}) hold the layers at their positions in a sequence ("0.weight",
 * "1.conv.2.bias"), which is how these blocks are keyed. Pictures are in 0..1 (not the VAE's
 * -1..1) and latents are unscaled: the decoder takes the latents the UNet works on as they are,
 * squashed first to about +-3 ({@code tanh(x / 3) * 3}).
 */
public final class TinyAutoencoder {

    /** Channels of every inner layer. */
    static final int WIDTH = 64;
    /** Blocks between two changes of size. */
    static final int BLOCKS = 3;

    private TinyAutoencoder() {
    }

    /** Picture (B, 3, H, W) in 0..1 to latents (B, 4, H/8, W/8). */
    public static final class Encoder extends NetworkBlock {
        private final List<NetworkBlock> layers = new ArrayList<>();

        public Encoder() {
            super("");
            int k = 0;
            layers.add(child(String.valueOf(k), new Conv("" + k++, 3, WIDTH, 1, true)));
            layers.add(child(String.valueOf(k), new Block("" + k++)));
            for (int level = 0; level < 3; level++) {
                layers.add(child(String.valueOf(k), new Conv("" + k++, WIDTH, WIDTH, 2, false)));
                for (int b = 0; b < BLOCKS; b++) {
                    layers.add(child(String.valueOf(k), new Block("" + k++)));
                }
            }
            layers.add(child(String.valueOf(k), new Conv("" + k, WIDTH, 4, 1, true)));
        }

        @Override
        public NDArray apply(NDArray picture) {
            return Scoped.compute(() -> run(layers, picture));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            Shape s = inputs[0];
            return new Shape[] {new Shape(s.get(0), 4, s.get(2) / 8, s.get(3) / 8)};
        }
    }

    /** Latents (B, 4, h, w), unscaled, to a picture (B, 3, 8h, 8w) in about 0..1. */
    public static final class Decoder extends NetworkBlock {
        private final List<NetworkBlock> layers = new ArrayList<>();

        public Decoder() {
            super("");
            // Position 0 is the clamp and 2 a ReLU, 6, 11 and 16 the doublings: layers without weights.
            layers.add(child("1", new Conv("1", 4, WIDTH, 1, true)));
            layers.add(new Step("relu", Activation::relu, 1));
            int k = 3;
            for (int level = 0; level < 3; level++) {
                for (int b = 0; b < BLOCKS; b++) {
                    layers.add(child(String.valueOf(k), new Block("" + k++)));
                }
                layers.add(new Step("doubling", Upsample::doubled, 2));
                k++;
                layers.add(child(String.valueOf(k), new Conv("" + k++, WIDTH, WIDTH, 1, false)));
            }
            layers.add(child(String.valueOf(k), new Block("" + k++)));
            layers.add(child(String.valueOf(k), new Conv("" + k, WIDTH, 3, 1, true)));
        }

        @Override
        public NDArray apply(NDArray latents) {
            return Scoped.compute(() -> run(layers, latents.div(3).tanh().mul(3)));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            Shape s = inputs[0];
            return new Shape[] {new Shape(s.get(0), 3, s.get(2) * 8, s.get(3) * 8)};
        }
    }

    private static NDArray run(List<NetworkBlock> layers, NDArray x) {
        NDArray h = layers.get(0).apply(x);
        for (int i = 1; i < layers.size(); i++) {
            h = Scoped.then(h, layers.get(i)::apply);
        }
        return h;
    }

    /** A 3x3 convolution, padding 1, with or without bias. */
    private static final class Conv extends NetworkBlock {
        private final Shape stride;
        private final Parameter weight;
        private final Parameter bias;
        private final int out;

        Conv(String key, int in, int out, int stride, boolean biased) {
            super(key);
            this.out = out;
            this.stride = new Shape(stride, stride);
            this.weight = weight("weight", out, in, 3, 3);
            this.bias = biased ? weight("bias", out) : null;
        }

        @Override
        public NDArray apply(NDArray x) {
            return ai.djl.nn.convolutional.Conv2d.conv2d(x, value(weight), bias == null ? null : value(bias), stride,
                    new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow();
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            Shape s = inputs[0];
            long st = stride.get(0);
            return new Shape[] {new Shape(s.get(0), out, (s.get(2) - 1) / st + 1, (s.get(3) - 1) / st + 1)};
        }
    }

    /** relu(conv(relu(conv(relu(conv(x))))) + x): the three convolutions at 0, 2 and 4 of "conv". */
    private static final class Block extends NetworkBlock {
        private final Conv first;
        private final Conv second;
        private final Conv third;

        Block(String key) {
            super(key);
            NetworkBlock conv = child("conv", new Sequence(keyOf("conv")));
            first = conv.child("0", new Conv(keyOf("conv.0"), WIDTH, WIDTH, 1, true));
            second = conv.child("2", new Conv(keyOf("conv.2"), WIDTH, WIDTH, 1, true));
            third = conv.child("4", new Conv(keyOf("conv.4"), WIDTH, WIDTH, 1, true));
        }

        @Override
        public NDArray apply(NDArray x) {
            return Scoped.compute(() -> {
                NDArray h = Scoped.then(Scoped.then(first.apply(x), Activation::relu), second::apply);
                h = Scoped.then(Scoped.then(h, Activation::relu), third::apply);
                return Scoped.then(h.addi(x), Activation::relu);
            });
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            return inputs;
        }
    }

    /** Where the three convolutions of a block are keyed; it runs nothing itself. */
    private static final class Sequence extends NetworkBlock {
        Sequence(String key) {
            super(key);
        }

        @Override
        public NDArray apply(NDArray x) {
            throw new UnsupportedOperationException("the block runs its convolutions itself");
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            return inputs;
        }
    }

    /** A layer without weights: ReLU, or nearest-neighbour doubling. */
    private static final class Step extends NetworkBlock {
        private final UnaryOperator<NDArray> step;
        private final int scale;

        Step(String key, UnaryOperator<NDArray> step, int scale) {
            super(key);
            this.step = step;
            this.scale = scale;
        }

        @Override
        public NDArray apply(NDArray x) {
            return step.apply(x);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            Shape s = inputs[0];
            return new Shape[] {new Shape(s.get(0), s.get(1), scale * s.get(2), scale * s.get(3))};
        }
    }
}
