package dev.sparse24.train;

/**
 * Result of {@link Trainer#evaluate}.
 *
 * @param loss     mean loss over all samples
 * @param accuracy fraction of samples whose arg-max output equals the label
 * @param samples  number of samples evaluated
 */
public record Evaluation(double loss, double accuracy, int samples) {
}
