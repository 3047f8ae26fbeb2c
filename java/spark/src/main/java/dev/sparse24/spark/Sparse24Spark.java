package dev.sparse24.spark;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.TensorInfo;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Scores a Spark DataFrame with a Sparse24 model ({@code .s24} or {@code .tflite}) on every
 * executor:
 *
 * <pre>{@code
 * Dataset<Row> scored = Sparse24Spark.score(images, "hdfs://nn/models/model.s24",
 *         ScoreOptions.defaults().withInputCol("image").withBatchSize(256));
 * scored.select("id", "prediction").write().parquet("predictions");
 * }</pre>
 *
 * <p>The result keeps every input column and adds {@code logits} ({@code array<float>}, the model's
 * output) and {@code prediction} ({@code int}, its arg-max), plus {@code error} ({@code string})
 * in {@link ScoreMode#PERMISSIVE} mode - names and all else in {@link ScoreOptions}. It is lazy,
 * like any transformation: nothing runs until an action.
 *
 * <p>How it runs: the model is read once on the driver (to check the input column against the
 * model's input and to build the output schema before any task starts), then in each executor JVM
 * it is loaded and its session opened once per model path and session options, shared by the
 * tasks there and closed when the JVM exits ({@code ExecutorModels}). Each partition is scored in
 * batches of {@code batchSize} rows (mapPartitions), each row checked in Java before any native
 * call. The model path is a local file, the name of a file shipped with {@code --files}, or any
 * Hadoop-supported URI ({@code hdfs://}, {@code s3a://}, ...), copied to a local temporary file.
 */
public final class Sparse24Spark {
    private Sparse24Spark() {
    }

    /** {@link #score(Dataset, String, ScoreOptions)} with {@link ScoreOptions#defaults()}. */
    public static Dataset<Row> score(Dataset<Row> df, String modelPath) {
        return score(df, modelPath, ScoreOptions.defaults());
    }

    /**
     * The rows of {@code df} with the model's outputs for their input column (see the class
     * comment).
     *
     * @throws IllegalArgumentException before any task when the model cannot be found or read, has
     *                                  more than one input or output, the input column is missing
     *                                  or of a type that cannot feed the model, or an output column
     *                                  already exists
     * @throws UncheckedIOException     when the model file cannot be read
     */
    public static Dataset<Row> score(Dataset<Row> df, String modelPath, ScoreOptions options) {
        return score(df, modelPath, options, null);
    }

    /**
     * As {@link #score(Dataset, String, ScoreOptions)}, counting and timing the work of its tasks
     * in {@code metrics} (rows, batches, time in the model; see {@link ScoreMetrics}), or not when
     * {@code metrics} is null.
     */
    public static Dataset<Row> score(Dataset<Row> df, String modelPath, ScoreOptions options, ScoreMetrics metrics) {
        if (df == null || options == null) {
            throw new IllegalArgumentException("df and options must not be null");
        }
        SparseModel model = readOnDriver(modelPath);
        if (model.inputs().size() != 1 || model.outputs().size() != 1) {
            throw new IllegalArgumentException("model " + modelPath + " has " + model.inputs().size() + " inputs and "
                    + model.outputs().size() + " outputs; Sparse24Spark scores models with one of each");
        }
        StructType schema = df.schema();
        String[] names = schema.fieldNames();
        int index = Arrays.asList(names).indexOf(options.inputCol());
        if (index < 0) {
            throw new IllegalArgumentException("input column " + options.inputCol() + " not found; the columns are "
                    + String.join(", ", names));
        }
        TensorInfo in = model.inputs().get(0);
        InputColumn column = InputColumn.of(schema.fields()[index], index, in);
        StructType out = outputSchema(schema, options);
        int threads = options.threads() > 0 ? options.threads()
                : df.sparkSession().sparkContext().conf().getInt("spark.task.cpus", 1);
        ExecutorModels.Key key = new ExecutorModels.Key(modelPath, options.device(), threads, options.batchSize());
        PartitionScorer scorer = new PartitionScorer(key, column, model.outputs().get(0).sampleSize(),
                options.batchSize(), options.mode(), metrics);
        return df.mapPartitions(scorer, Encoders.row(out));
    }

    /** The input schema with the output columns appended (see {@link ScoreOptions}). */
    static StructType outputSchema(StructType in, ScoreOptions options) {
        boolean permissive = options.mode() == ScoreMode.PERMISSIVE;
        for (String name : permissive
                ? new String[]{options.logitsCol(), options.predictionCol(), options.errorCol()}
                : new String[]{options.logitsCol(), options.predictionCol()}) {
            if (Arrays.asList(in.fieldNames()).contains(name)) {
                throw new IllegalArgumentException("output column " + name + " already exists in the input; choose another"
                        + " name with ScoreOptions.withLogitsCol / withPredictionCol / withErrorCol");
            }
        }
        StructType out = in
                .add(new StructField(options.logitsCol(), DataTypes.createArrayType(DataTypes.FloatType, false), true,
                        org.apache.spark.sql.types.Metadata.empty()))
                .add(options.predictionCol(), DataTypes.IntegerType, true);
        return permissive ? out.add(options.errorCol(), DataTypes.StringType, true) : out;
    }

    private static SparseModel readOnDriver(String modelPath) {
        try {
            return SparseModel.load(ModelSource.localFile(modelPath));
        } catch (IOException e) {
            throw new UncheckedIOException("model " + modelPath + ": " + e.getMessage(), e);
        } catch (ModelFormatException e) {
            throw new IllegalArgumentException("model " + modelPath + ": " + e.getMessage(), e);
        }
    }
}
