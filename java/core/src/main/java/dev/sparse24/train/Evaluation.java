package dev.sparse24.train;

/**
 * Result of {@link Trainer#evaluate}.
 *
 * @param loss     mean loss over all samples
 * @param accuracy fraction of samples whose arg-max output equals the label
 * @param samples  number of samples evaluated
 */
public record Evaluation(double loss, double accuracy, int samples) {
    /**
     * The index of the largest of {@code values[offset .. offset + length)}, relative to
     * {@code offset}; the first maximum wins, as in {@link SparseCategoricalCrossentropy#countCorrect}.
     */
    public static int argmax(float[] values, int offset, int length) {
        if (length < 1 || offset < 0 || offset + length > values.length) {
            throw new IllegalArgumentException("argmax of [" + offset + ", " + offset + " + " + length
                    + ") in " + values.length + " values");
        }
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Fraction of rows of {@code outputs} ({@code labels.length} rows of {@code classes} values,
     * row-major, e.g. an inference session's logits) whose arg-max equals the label.
     */
    public static double accuracyOf(float[] outputs, int[] labels, int classes) {
        if (labels.length == 0 || classes < 1 || outputs.length != (long) labels.length * classes) {
            throw new IllegalArgumentException("accuracy needs " + labels.length + " rows of " + classes
                    + " outputs (at least one), given " + outputs.length + " values");
        }
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += argmax(outputs, i * classes, classes) == labels[i] ? 1 : 0;
        }
        return (double) correct / labels.length;
    }
}
