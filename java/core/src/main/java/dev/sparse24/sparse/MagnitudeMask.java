package dev.sparse24.sparse;

import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Unstructured magnitude pruning to a target sparsity, as TFMOT's
 * {@code Pruning._update_mask}: keep {@code k = max(round_half_even(size * (1 - s)), 1)}
 * values, {@code threshold} = the k-th largest {@code |w|}, {@code mask = |w| >= threshold}.
 * Values tied with the threshold are all kept, so the mask can keep more than {@code k}.
 *
 * <p>The layout of the weights does not matter: the whole tensor is one pool.
 */
public final class MagnitudeMask {
    private final Tensor mask;
    private final float threshold;
    private final int keepCount;

    private MagnitudeMask(Tensor mask, float threshold, int keepCount) {
        this.mask = mask;
        this.threshold = threshold;
        this.keepCount = keepCount;
    }

    /**
     * Computes the mask of {@code weights} (not modified) for sparsity {@code s}.
     *
     * @throws IllegalArgumentException when {@code s} is outside [0, 1) or the tensor is empty
     */
    public static MagnitudeMask compute(Tensor weights, double sparsity) {
        int size = weights.size();
        int k = keepCount(size, sparsity);
        float[] magnitudes = new float[size];
        FloatBuffer w = weights.buffer();
        for (int i = 0; i < size; i++) {
            magnitudes[i] = Math.abs(w.get(i));
        }
        float[] sorted = magnitudes.clone();
        Arrays.sort(sorted);
        float threshold = sorted[size - k];
        Tensor mask = Tensor.zeros(weights.shape());
        FloatBuffer m = mask.buffer();
        for (int i = 0; i < size; i++) {
            if (magnitudes[i] >= threshold) {
                m.put(i, 1f);
            }
        }
        return new MagnitudeMask(mask, threshold, k);
    }

    /**
     * The number of values to keep, {@code k = max(round_half_even(size * (1 - s)), 1)},
     * computed in float32 as TFMOT does so that halfway cases round the same way
     * (size 5 at 0.5 keeps 2, size 7 at 0.5 keeps 4).
     *
     * @throws IllegalArgumentException when {@code s} is outside [0, 1) or {@code size < 1}
     */
    public static int keepCount(int size, double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1), given " + sparsity);
        }
        if (size < 1) {
            throw new IllegalArgumentException("magnitude mask needs at least one weight, given " + size);
        }
        float keep = (float) size * (1f - (float) sparsity);
        return (int) Math.max(Math.rint(keep), 1);
    }

    /** The mask: 1 = keep, 0 = prune; same shape as the weights. */
    public Tensor mask() {
        return mask;
    }

    /** The k-th largest magnitude: every {@code |w| >= threshold} is kept. */
    public float threshold() {
        return threshold;
    }

    /** {@code k}, the number of values the target asks to keep (ties may keep more). */
    public int keepCount() {
        return keepCount;
    }
}
