package dev.sparse24.ops;

import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.ShapeInference;

/** The element-wise ops: RELU, RELU6, LOGISTIC, TANH, and ADD / MUL with numpy broadcasting. */
public final class Elementwise {
    private Elementwise() {
    }

    /** RELU, RELU6, LOGISTIC or TANH of {@code v}. */
    public static float unary(OpType type, float v) {
        return switch (type) {
            case RELU -> v > 0 ? v : 0f;
            case RELU6 -> Math.min(Math.max(v, 0f), 6f);
            case LOGISTIC -> (float) (1.0 / (1.0 + Math.exp(-v)));
            case TANH -> (float) Math.tanh(v);
            default -> throw new IllegalArgumentException(type + " is not an element-wise unary op");
        };
    }

    /** {@code n} values of a unary op with its fused activation, {@code in[i]} to {@code out[i]}. */
    public static void unary(OpType type, FusedActivation act, float[] in, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = act.apply(unary(type, in[i]));
        }
    }

    /** ADD ({@code mul} false) or MUL of two values, then the fused activation. */
    public static float binary(boolean mul, FusedActivation act, float x, float y) {
        return act.apply(mul ? x * y : x + y);
    }

    /**
     * ADD / MUL of {@code a} (shape {@code as}) and {@code b} (shape {@code bs}) into {@code out}
     * of the broadcast shape {@code os} ({@link ShapeInference#broadcastShape}: rank >= both, shorter
     * shapes align at the right).
     */
    public static void broadcast(boolean mul, FusedActivation act, float[] a, int[] as, float[] b, int[] bs,
                                 float[] out, int[] os) {
        int rank = os.length;
        int[] ap = ShapeInference.padLeft(as, rank);
        int[] bp = ShapeInference.padLeft(bs, rank);
        int n = 1;
        for (int d : os) {
            n *= d;
        }
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            int ia = 0;
            int ib = 0;
            for (int d = 0; d < rank; d++) {
                ia = ia * ap[d] + (ap[d] == 1 ? 0 : idx[d]);
                ib = ib * bp[d] + (bp[d] == 1 ? 0 : idx[d]);
            }
            out[i] = binary(mul, act, a[ia], b[ib]);
            for (int d = rank - 1; d >= 0 && ++idx[d] == os[d]; d--) {
                idx[d] = 0;
            }
        }
    }
}
