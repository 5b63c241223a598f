package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointMismatchException;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import java.util.ArrayList;
import java.util.List;

/**
 * SD 1.5's text encoder, the CLIP ViT-L/14 text transformer (Hugging Face's CLIPTextModel,
 * stored under {@value Sd15Layout#TEXT}): token plus position embeddings, pre-norm layers
 * of causal self-attention and a quick-GELU MLP, a final layer norm. SD 1.5 conditions the
 * UNet on the whole last hidden state (CompVis FrozenCLIPEmbedder), not CLIP's pooled and
 * projected text feature, so there is no projection here.
 */
public final class TextEncoder extends NetworkBlock {

    /** CLIP's layer-norm epsilon (torch's default, which OpenAI's CLIP and Hugging Face use). */
    static final float EPSILON = 1e-5f;

    private final Sd15Widths widths;
    private final Embeddings embeddings;
    private final List<Layer> layers = new ArrayList<>();
    private final LayerNorm finalNorm;

    public TextEncoder(Sd15Widths widths) {
        super(Sd15Layout.TEXT.substring(0, Sd15Layout.TEXT.length() - 1));
        this.widths = widths;
        int width = widths.textWidth();
        embeddings = child("embeddings", new Embeddings(keyOf("embeddings"), widths));
        for (int i = 0; i < widths.textLayers(); i++) {
            String segment = "encoder.layers." + i;
            layers.add(child(segment, new Layer(keyOf(segment), width, widths.textHeads())));
        }
        finalNorm = child("final_layer_norm", new LayerNorm(keyOf("final_layer_norm"), width, EPSILON));
    }

    /** The text encoder of an SD 1.5 checkpoint, its weights in {@code manager} in the runtime's type. */
    public static TextEncoder load(Safetensors checkpoint, Sd15Widths widths, TorchRuntime runtime, NDManager manager)
            throws CheckpointMismatchException {
        TextEncoder encoder = new TextEncoder(widths);
        CheckpointWeights.load(encoder, checkpoint, manager, runtime.device(), runtime.computeType());
        return encoder;
    }

    public Sd15Widths widths() {
        return widths;
    }

    /**
     * The last hidden state, after the final layer norm: what SD 1.5's UNet cross-attends to.
     *
     * @param ids token ids (B, N), N at most the positions (77), any integer type; the result is
     *     attached to their manager and nothing else made on the way survives the call
     * @return (B, N, textWidth) in the type the weights were loaded in
     */
    public NDArray encode(NDArray ids) {
        return encode(ids, 1);
    }

    /**
     * As {@link #encode(NDArray)}, the hidden state of an earlier layer through the final norm
     * ("clip skip", as A1111 and ComfyUI do it): 1 is the last layer, 2 the one before it.
     */
    public NDArray encode(NDArray ids, int clipSkip) {
        return encode(ids, clipSkip, null);
    }

    /**
     * As {@link #encode(NDArray, int)}, with textual-inversion vectors: an id of the vocabulary's
     * size or more stands for row (id - vocabulary size) of {@code extraVectors} (M, width).
     */
    public NDArray encode(NDArray ids, int clipSkip, NDArray extraVectors) {
        if (clipSkip < 1 || clipSkip > layers.size()) {
            throw new IllegalArgumentException("clip skip must be 1 to " + layers.size() + ", got " + clipSkip);
        }
        NDManager caller = ids.getManager();
        // Every intermediate array is made in (or moved into) the scope: ops put their result in
        // their first operand's manager, and the first operand is always something of the scope.
        try (NDManager scope = caller.newSubManager()) {
            ids.tempAttach(scope);
            if (extraVectors != null) {
                extraVectors.tempAttach(scope);
            }
            NDArray h = embeddings.apply(ids, extraVectors);
            for (int i = 0; i <= layers.size() - clipSkip; i++) {
                h = layers.get(i).apply(h);
            }
            NDArray out = finalNorm.apply(h);
            out.attach(caller);
            return out;
        }
    }

    @Override
    public NDArray apply(NDArray ids) {
        return encode(ids);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return new Shape[] {inputs[0].add(widths.textWidth())};
    }

    /** Token embedding looked up by id plus a learned position embedding (positions 0..N-1). */
    static final class Embeddings extends NetworkBlock {

        private final int width;
        private final Parameter token;
        private final Parameter position;

        Embeddings(String key, Sd15Widths widths) {
            super(key);
            width = widths.textWidth();
            token = weight("token_embedding.weight", widths.textVocab(), width);
            position = weight("position_embedding.weight", widths.textPositions(), width);
        }

        @Override
        public NDArray apply(NDArray ids) {
            return apply(ids, null);
        }

        /** With {@code extra} rows after the vocabulary's, for ids past it (textual inversion); null for none. */
        NDArray apply(NDArray ids, NDArray extra) {
            NDArray table = value(token);
            if (extra != null) {
                table = table.concat(extra.toDevice(table.getDevice(), false).toType(table.getDataType(), false), 0);
                table.attach(ids.getManager()); // made in the weights' manager: let the call's scope free it
            }
            // libtorch's embedding wants int64 ids on the weights' device; toType/toDevice keep the scope's manager.
            NDArray longIds = ids.toDevice(table.getDevice(), false).toType(DataType.INT64, false);
            long length = ids.getShape().get(1);
            long positions = value(position).getShape().get(0);
            if (length > positions) {
                throw new IllegalArgumentException(length + " tokens; the text encoder takes at most " + positions);
            }
            NDArray tokens = Embedding.embedding(longIds, table, SparseFormat.DENSE).singletonOrThrow();
            if (length == positions) {
                return tokens.add(value(position));
            }
            NDArray first = value(position).get("0:{}", length);
            first.attach(ids.getManager()); // a view made in the weights' manager: let the scope free it
            return tokens.add(first);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            return new Shape[] {inputs[0].add(width)};
        }
    }

    /** One pre-norm transformer layer: x + attn(ln1(x)), then x + mlp(ln2(x)). */
    static final class Layer extends NetworkBlock {

        private final int heads;
        private final LayerNorm norm1;
        private final Linear q;
        private final Linear k;
        private final Linear v;
        private final Linear out;
        private final LayerNorm norm2;
        private final Linear fc1;
        private final Linear fc2;

        Layer(String key, int width, int heads) {
            super(key);
            this.heads = heads;
            norm1 = child("layer_norm1", new LayerNorm(keyOf("layer_norm1"), width, EPSILON));
            q = child("self_attn.q_proj", new Linear(keyOf("self_attn.q_proj"), width, width, true));
            k = child("self_attn.k_proj", new Linear(keyOf("self_attn.k_proj"), width, width, true));
            v = child("self_attn.v_proj", new Linear(keyOf("self_attn.v_proj"), width, width, true));
            out = child("self_attn.out_proj", new Linear(keyOf("self_attn.out_proj"), width, width, true));
            norm2 = child("layer_norm2", new LayerNorm(keyOf("layer_norm2"), width, EPSILON));
            fc1 = child("mlp.fc1", new Linear(keyOf("mlp.fc1"), width, 4 * width, true));
            fc2 = child("mlp.fc2", new Linear(keyOf("mlp.fc2"), 4 * width, width, true));
        }

        @Override
        public NDArray apply(NDArray x) {
            NDArray n = norm1.apply(x);
            // 77 queries: the attention matrix is small, so no slicing.
            NDArray attended = Attention.scaledDotProduct(q.apply(n), k.apply(n), v.apply(n), heads, true, Integer.MAX_VALUE);
            x = x.add(out.apply(attended));
            NDArray hidden = fc1.apply(norm2.apply(x));
            // quick_gelu, the GELU approximation CLIP was trained with: x * sigmoid(1.702 x).
            hidden = hidden.mul(Activation.sigmoid(hidden.mul(1.702f)));
            return x.add(fc2.apply(hidden));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputs) {
            return new Shape[] {inputs[0]};
        }
    }
}
