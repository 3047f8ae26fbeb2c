package dev.sparse24.spark;

/**
 * A row that {@link Sparse24Spark#score} cannot score in {@link ScoreMode#FAILFAST} mode: the job
 * fails with this as the task's error (Spark wraps it in its {@code SparkException}, whose message
 * carries this one).
 */
public final class BadRowException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int partition;
    private final long rowIndex;

    /**
     * @param partition the partition holding the row (-1 outside a Spark task)
     * @param rowIndex  the row's index within its partition, from 0
     * @param reason    why it cannot be scored
     */
    public BadRowException(int partition, long rowIndex, String reason) {
        super("row " + rowIndex + " of partition " + partition + " cannot be scored (mode FAILFAST): " + reason);
        this.partition = partition;
        this.rowIndex = rowIndex;
    }

    /** The partition holding the row (-1 outside a Spark task). */
    public int partition() {
        return partition;
    }

    /** The row's index within its partition, from 0. */
    public long rowIndex() {
        return rowIndex;
    }
}
