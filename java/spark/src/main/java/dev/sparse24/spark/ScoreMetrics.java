package dev.sparse24.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;

/**
 * Counts and times of one scoring, summed over its tasks with Spark accumulators: what
 * {@link Sparse24Spark#score(org.apache.spark.sql.Dataset, String, ScoreOptions, ScoreMetrics)}
 * did on the executors, read on the driver after an action. Where the task time went, in
 * thread-seconds summed over tasks ({@link #taskSeconds()}: from the scoring function's start
 * to the task's end, its commit included):
 * <ul>
 *   <li>{@link #openSeconds()}: taking the executor's session (loading the model, the first time
 *       in a JVM);</li>
 *   <li>{@link #modelSeconds()}: inside {@code InferenceSession.run} (the model itself);</li>
 *   <li>{@link #inputSeconds()}: taking the input rows from Spark (its row deserialization and
 *       everything upstream of the scoring in the same stage, e.g. a Parquet read) and checking
 *       and packing them into the batch buffer;</li>
 *   <li>{@link #outputSeconds()}: building the output rows (the logits array, the arg-max).</li>
 * </ul>
 * The rest of {@link #taskSeconds()} is Spark's and the sink's: serializing the output rows and
 * whatever consumes them downstream in the same stage (a Parquet write and its commit). Task
 * scheduling, shipping and deserialization come before the scoring function starts and are not
 * in it.
 *
 * <p>Accumulators updated in a transformation count every time a task runs: read them after one
 * action on the scored Dataset; an action run again, a retried or a speculative task counts again.
 */
public final class ScoreMetrics implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LongAccumulator partitions;
    private final LongAccumulator rows;
    private final LongAccumulator refused;
    private final LongAccumulator batches;
    private final LongAccumulator modelNanos;
    private final LongAccumulator inputNanos;
    private final LongAccumulator outputNanos;
    private final LongAccumulator openNanos;
    private final LongAccumulator taskNanos;

    private ScoreMetrics(SparkContext sc) {
        partitions = sc.longAccumulator("sparse24 partitions");
        rows = sc.longAccumulator("sparse24 rows");
        refused = sc.longAccumulator("sparse24 refused rows");
        batches = sc.longAccumulator("sparse24 batches");
        modelNanos = sc.longAccumulator("sparse24 model ns");
        inputNanos = sc.longAccumulator("sparse24 input ns");
        outputNanos = sc.longAccumulator("sparse24 output ns");
        openNanos = sc.longAccumulator("sparse24 session open ns");
        taskNanos = sc.longAccumulator("sparse24 task ns");
    }

    /** New metrics, all zero, registered with {@code sc} (call on the driver). */
    public static ScoreMetrics register(SparkContext sc) {
        if (sc == null) {
            throw new IllegalArgumentException("sc must not be null");
        }
        return new ScoreMetrics(sc);
    }

    /** Partitions scored (empty ones included). */
    public long partitions() {
        return partitions.value();
    }

    /** Rows read, scored or refused. */
    public long rows() {
        return rows.value();
    }

    /** Rows refused in PERMISSIVE mode (FAILFAST fails the task, and Spark drops a failed task's counts). */
    public long refused() {
        return refused.value();
    }

    /** Session calls: one per batch holding at least one good row. */
    public long batches() {
        return batches.value();
    }

    /** Thread-seconds inside {@code InferenceSession.run}, summed over tasks. */
    public double modelSeconds() {
        return modelNanos.value() / 1e9;
    }

    /** Thread-seconds taking, checking and packing input rows, summed over tasks. */
    public double inputSeconds() {
        return inputNanos.value() / 1e9;
    }

    /** Thread-seconds building output rows, summed over tasks. */
    public double outputSeconds() {
        return outputNanos.value() / 1e9;
    }

    /** Thread-seconds taking the executor's session (the model load where it happened), summed over tasks. */
    public double openSeconds() {
        return openNanos.value() / 1e9;
    }

    /** Thread-seconds from each scoring function's start to its task's end, summed over tasks. */
    public double taskSeconds() {
        return taskNanos.value() / 1e9;
    }

    void addPartition(long open) {
        partitions.add(1);
        openNanos.add(open);
    }

    void addTask(long nanos) {
        taskNanos.add(nanos);
    }

    void addBatch(int read, int refusedRows, int calls, long input, long model, long output) {
        rows.add(read);
        refused.add(refusedRows);
        batches.add(calls);
        inputNanos.add(input);
        modelNanos.add(model);
        outputNanos.add(output);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "ScoreMetrics[%d partitions, %d rows, %d refused, %d batches, task %.3f s:"
                + " open %.3f s, input %.3f s, model %.3f s, output %.3f s]", partitions(), rows(), refused(), batches(),
                taskSeconds(), openSeconds(), inputSeconds(), modelSeconds(), outputSeconds());
    }
}
