package dev.sparse24.spark;

import dev.sparse24.runtime.Device;

import java.io.Serializable;

/**
 * Options of {@link Sparse24Spark#score}, immutable; start from {@link #defaults()} and change what
 * matters with the {@code with...} methods. Serializable: they travel to the executors with the
 * scoring function.
 *
 * @param inputCol      the column holding each row's input: {@code array<float>},
 *                      {@code array<double>} (values as the model takes them) or {@code binary}
 *                      (8-bit pixels, one byte per value: {@code / 255} for a FLOAT32 input, as
 *                      they are for a UINT8 one - as {@code sparse24 run --mnist} feeds them);
 *                      {@code "image"} by default
 * @param logitsCol     the output column of the model's outputs, {@code array<float>};
 *                      {@code "logits"} by default
 * @param predictionCol the output column of the arg-max class, {@code int}; {@code "prediction"}
 * @param errorCol      the output column of the reason a row was not scored, {@code string}, null
 *                      for scored rows; added in {@link ScoreMode#PERMISSIVE} mode only;
 *                      {@code "error"} by default
 * @param batchSize     rows run together in one session call, inside each partition (256)
 * @param threads       session threads on each executor; 0 (the default) means
 *                      {@code spark.task.cpus}: every task running at once on an executor shares
 *                      its one session, so the {@code spark.executor.cores / spark.task.cpus}
 *                      tasks of an executor use its cores between them
 * @param device        where executors run the model ({@link Device#CPU} by default;
 *                      {@link Device#CUDA} needs {@code sparse24-cuda} on the executors' class path)
 * @param mode          what to do with rows that cannot be scored ({@link ScoreMode#PERMISSIVE})
 */
public record ScoreOptions(String inputCol, String logitsCol, String predictionCol, String errorCol, int batchSize,
                           int threads, Device device, ScoreMode mode) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Checks the values. */
    public ScoreOptions {
        requireName(inputCol, "inputCol");
        requireName(logitsCol, "logitsCol");
        requireName(predictionCol, "predictionCol");
        requireName(errorCol, "errorCol");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, given " + batchSize);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0: spark.task.cpus), given " + threads);
        }
        if (device == null || device == Device.AUTO) {
            throw new IllegalArgumentException("device must be CPU or CUDA (an executor must not pick"
                    + " a different device from its neighbour), given " + device);
        }
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        if (logitsCol.equals(predictionCol) || logitsCol.equals(errorCol) || predictionCol.equals(errorCol)) {
            throw new IllegalArgumentException("logitsCol, predictionCol and errorCol must differ, given "
                    + logitsCol + ", " + predictionCol + ", " + errorCol);
        }
    }

    /** Input {@code image}, outputs {@code logits}, {@code prediction}, {@code error}; batches of 256, threads from Spark, CPU, PERMISSIVE. */
    public static ScoreOptions defaults() {
        return new ScoreOptions("image", "logits", "prediction", "error", 256, 0, Device.CPU, ScoreMode.PERMISSIVE);
    }

    /** The same options reading another input column. */
    public ScoreOptions withInputCol(String name) {
        return new ScoreOptions(name, logitsCol, predictionCol, errorCol, batchSize, threads, device, mode);
    }

    /** The same options writing the logits to another column. */
    public ScoreOptions withLogitsCol(String name) {
        return new ScoreOptions(inputCol, name, predictionCol, errorCol, batchSize, threads, device, mode);
    }

    /** The same options writing the arg-max class to another column. */
    public ScoreOptions withPredictionCol(String name) {
        return new ScoreOptions(inputCol, logitsCol, name, errorCol, batchSize, threads, device, mode);
    }

    /** The same options writing the errors (PERMISSIVE) to another column. */
    public ScoreOptions withErrorCol(String name) {
        return new ScoreOptions(inputCol, logitsCol, predictionCol, name, batchSize, threads, device, mode);
    }

    /** The same options with another batch size. */
    public ScoreOptions withBatchSize(int rows) {
        return new ScoreOptions(inputCol, logitsCol, predictionCol, errorCol, rows, threads, device, mode);
    }

    /** The same options with another session thread count (0: {@code spark.task.cpus}). */
    public ScoreOptions withThreads(int count) {
        return new ScoreOptions(inputCol, logitsCol, predictionCol, errorCol, batchSize, count, device, mode);
    }

    /** The same options on another device. */
    public ScoreOptions withDevice(Device where) {
        return new ScoreOptions(inputCol, logitsCol, predictionCol, errorCol, batchSize, threads, where, mode);
    }

    /** The same options with another bad-row mode. */
    public ScoreOptions withMode(ScoreMode how) {
        return new ScoreOptions(inputCol, logitsCol, predictionCol, errorCol, batchSize, threads, device, how);
    }

    private static void requireName(String name, String what) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " must be a column name, given " + (name == null ? "null" : "'" + name + "'"));
        }
    }
}
