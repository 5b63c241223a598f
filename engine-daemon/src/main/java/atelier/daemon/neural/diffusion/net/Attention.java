package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Multi-head scaled dot-product attention, softmax(q k^T / sqrt(d)) v, the one computation
 * behind the UNet's self- and cross-attention, CLIP's causal self-attention and the VAE's
 * middle attention (each block only projects q, k, v and the output, by its own keys).
 *
 * <p>Sliced: the attention matrix of a 64x64 latent is 4096 x 4096 a head, 2 GB for 8 heads
 * and a guided batch of 2; queries are taken {@code sliceQueries} rows at a time so at most
 * batch x heads x slice x keys floats exist at once (the "sliced attention" of the diffusers
 * library). The result is the same to rounding for any slice.
 */
public final class Attention {

    /** Query rows per slice by default: 1024 rows x 4096 keys x 16 (batch x heads) = 256 MB of scores. */
    public static final int DEFAULT_SLICE = 1024;

    /** What a masked score gets: exp of it is 0 in fp32 and fp16, and unlike -inf it times 0 is not NaN. */
    private static final float MASKED = -65000f;

    private Attention() {
    }

    /**
     * @param q queries (B, Nq, heads * d)
     * @param k keys (B, Nk, heads * d)
     * @param v values (B, Nk, heads * d)
     * @param causal whether query i may only see keys 0..i (CLIP's text encoder)
     * @param sliceQueries most query rows at once; {@code Integer.MAX_VALUE} for no slicing
     * @return (B, Nq, heads * d)
     */
    public static NDArray scaledDotProduct(NDArray q, NDArray k, NDArray v, int heads, boolean causal, int sliceQueries) {
        long batch = q.getShape().get(0);
        long queries = q.getShape().get(1);
        long keys = k.getShape().get(1);
        long width = q.getShape().get(2);
        long d = width / heads;
        float scale = (float) (1 / Math.sqrt(d));
        // (B, N, h, d) -> (B, h, N, d): heads become a batch axis of the matrix products.
        NDArray qh = q.reshape(batch, queries, heads, d).transpose(0, 2, 1, 3).mul(scale);
        NDArray kt = k.reshape(batch, keys, heads, d).transpose(0, 2, 3, 1);
        NDArray vh = v.reshape(batch, keys, heads, d).transpose(0, 2, 1, 3);
        NDList slices = new NDList();
        for (long from = 0; from < queries; from += sliceQueries) {
            long to = Math.min(queries, from + sliceQueries);
            NDArray qs = from == 0 && to == queries ? qh : qh.get(new NDIndex(":, :, {}:{}", from, to));
            NDArray scores = qs.matMul(kt);
            if (causal) {
                scores = scores.add(future(scores, from).toType(scores.getDataType(), false).mul(MASKED));
            }
            // Each slice's scores are freed before the next is made, else slicing would save nothing.
            try (NDArray weights = scores.softmax(-1)) {
                scores.close();
                slices.add(weights.matMul(vh));
            }
        }
        NDArray out = slices.size() == 1 ? slices.singletonOrThrow() : NDArrays.concat(slices, 2);
        return out.transpose(0, 2, 1, 3).reshape(batch, queries, width);
    }

    /** True where key column > query row, for query rows starting at {@code from}; broadcasts over batch and heads. */
    private static NDArray future(NDArray scores, long from) {
        long rows = scores.getShape().get(2);
        long cols = scores.getShape().get(3);
        NDArray row = scores.getManager().arange(from, from + rows, 1, DataType.INT64, scores.getDevice()).reshape(rows, 1);
        NDArray col = scores.getManager().arange(0, cols, 1, DataType.INT64, scores.getDevice()).reshape(1, cols);
        return col.gt(row);
    }
}
