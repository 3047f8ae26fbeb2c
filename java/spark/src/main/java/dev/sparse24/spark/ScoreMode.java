package dev.sparse24.spark;

/**
 * What {@link Sparse24Spark#score} does with a row it cannot score (a null input, a wrong number
 * of values, a NaN or infinite value, a value a byte input cannot hold), named after the modes of
 * Spark's own readers.
 */
public enum ScoreMode {
    /** The row is kept with null logits and prediction and the reason in the error column. */
    PERMISSIVE,
    /** The job fails at the first such row, naming it (partition and index) and the reason. */
    FAILFAST
}
