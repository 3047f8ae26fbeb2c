package dev.sparse24.train;

import dev.sparse24.tensor.Tensor;

import java.nio.FloatBuffer;

/**
 * Keras's {@code SparseCategoricalCrossentropy}: integer labels, mean over the batch.
 *
 * <p>With {@code fromLogits} the input is unnormalised scores and the loss is
 * {@code logsumexp(z) - z[label]}, computed stably in double; its gradient is
 * {@code (softmax(z) - onehot(label)) / batch}. Without, the input holds probabilities,
 * clipped to [1e-7, 1 - 1e-7] as Keras does.
 */
public final class SparseCategoricalCrossentropy {
    private static final double CLIP = 1e-7;
    private final boolean fromLogits;

    /** A loss on logits ({@code fromLogits = true}) or on probabilities. */
    public SparseCategoricalCrossentropy(boolean fromLogits) {
        this.fromLogits = fromLogits;
    }

    /** Whether inputs are logits. */
    public boolean fromLogits() {
        return fromLogits;
    }

    /**
     * Mean loss over a batch, optionally writing d(loss)/d(output) into {@code grad}.
     *
     * @param output    [batch, classes] logits or probabilities
     * @param labels    class indices; element {@code labelOff + i} belongs to row i
     * @param grad      same shape as {@code output}, overwritten; may be null
     * @return the mean loss
     * @throws IllegalArgumentException for a label outside [0, classes)
     */
    public double compute(Tensor output, int[] labels, int labelOff, Tensor grad) {
        if (output.shape().rank() != 2) {
            throw new IllegalArgumentException("expected output [batch, classes], given " + output.shape());
        }
        int batch = output.shape().dim(0);
        int classes = output.shape().dim(1);
        if (grad != null && !grad.shape().equals(output.shape())) {
            throw new IllegalArgumentException("gradient shape " + grad.shape() + " != output shape " + output.shape());
        }
        if (labelOff < 0 || labelOff + batch > labels.length) {
            throw new IllegalArgumentException("labels [" + labelOff + ", " + (labelOff + batch)
                    + ") out of range for " + labels.length + " labels");
        }
        FloatBuffer z = output.buffer();
        FloatBuffer gz = grad == null ? null : grad.buffer();
        double total = 0;
        double[] row = new double[classes];
        for (int b = 0; b < batch; b++) {
            int label = labels[labelOff + b];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " at index " + (labelOff + b)
                        + " outside [0, " + classes + ")");
            }
            int base = b * classes;
            if (fromLogits) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    row[c] = z.get(base + c);
                    max = Math.max(max, row[c]);
                }
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    row[c] = Math.exp(row[c] - max);
                    sum += row[c];
                }
                total += Math.log(sum) + max - z.get(base + label);
                if (gz != null) {
                    for (int c = 0; c < classes; c++) {
                        double p = row[c] / sum;
                        gz.put(base + c, (float) ((p - (c == label ? 1 : 0)) / batch));
                    }
                }
            } else {
                double p = Math.min(Math.max(z.get(base + label), CLIP), 1 - CLIP);
                total -= Math.log(p);
                if (gz != null) {
                    for (int c = 0; c < classes; c++) {
                        gz.put(base + c, 0f);
                    }
                    double raw = z.get(base + label);
                    boolean clipped = raw < CLIP || raw > 1 - CLIP;
                    gz.put(base + label, clipped ? 0f : (float) (-1.0 / (p * batch)));
                }
            }
        }
        return total / batch;
    }

    /** Number of rows of {@code output} whose arg-max equals the label (first maximum wins). */
    public static int countCorrect(Tensor output, int[] labels, int labelOff) {
        int batch = output.shape().dim(0);
        int classes = output.shape().dim(1);
        FloatBuffer z = output.buffer();
        int correct = 0;
        for (int b = 0; b < batch; b++) {
            int best = 0;
            float bestV = z.get(b * classes);
            for (int c = 1; c < classes; c++) {
                float v = z.get(b * classes + c);
                if (v > bestV) {
                    bestV = v;
                    best = c;
                }
            }
            if (best == labels[labelOff + b]) {
                correct++;
            }
        }
        return correct;
    }
}
