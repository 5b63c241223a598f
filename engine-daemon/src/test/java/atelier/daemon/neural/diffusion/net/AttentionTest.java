package atelier.daemon.neural.diffusion.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AttentionTest {

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** softmax(q k^T / sqrt(d)) v written out with loops, one head at a time. */
    private static float[] reference(float[] q, float[] k, float[] v, int batch, int nq, int nk, int heads, int d, boolean causal) {
        int width = heads * d;
        float[] out = new float[batch * nq * width];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < nq; i++) {
                    double[] s = new double[nk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < nk; j++) {
                        if (causal && j > i) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int c = 0; c < d; c++) {
                            dot += q[(b * nq + i) * width + h * d + c] * k[(b * nk + j) * width + h * d + c];
                        }
                        s[j] = dot / Math.sqrt(d);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < nk; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int c = 0; c < d; c++) {
                        double acc = 0;
                        for (int j = 0; j < nk; j++) {
                            acc += s[j] / sum * v[(b * nk + j) * width + h * d + c];
                        }
                        out[(b * nq + i) * width + h * d + c] = (float) acc;
                    }
                }
            }
        }
        return out;
    }

    @Test
    void slicedCausalAndCrossAttentionMatchTheDefinition() {
        int batch = 2;
        int heads = 3;
        int d = 4;
        int width = heads * d;
        try (NDManager m = TorchRuntime.cpu().newManager()) {
            for (boolean causal : new boolean[] {false, true}) {
                int nq = 7;
                int nk = causal ? 7 : 5;
                float[] q = random(batch * nq * width, 1);
                float[] k = random(batch * nk * width, 2);
                float[] v = random(batch * nk * width, 3);
                float[] want = reference(q, k, v, batch, nq, nk, heads, d, causal);
                for (int slice : new int[] {Integer.MAX_VALUE, 3, 1}) {
                    NDArray out = Attention.scaledDotProduct(m.create(q, new Shape(batch, nq, width)),
                            m.create(k, new Shape(batch, nk, width)), m.create(v, new Shape(batch, nk, width)), heads, causal,
                            slice);
                    assertEquals(new Shape(batch, nq, width), out.getShape());
                    float[] got = out.toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 1e-5, "causal " + causal + " slice " + slice + " value " + i);
                    }
                }
            }
        }
    }
}
