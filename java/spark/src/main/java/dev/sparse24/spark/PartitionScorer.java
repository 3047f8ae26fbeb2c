package dev.sparse24.spark;

import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.train.Evaluation;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The function {@link Sparse24Spark#score} runs on each partition: it takes the executor's shared
 * session ({@link ExecutorModels}), reads up to {@code batchSize} rows, checks and packs their
 * inputs ({@link InputColumn}), runs the good ones in one session call and hands the rows back
 * with their outputs appended, batch by batch (a partition is never held whole in memory).
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final ExecutorModels.Key key;
    private final InputColumn column;
    private final int outputSize;
    private final int batchSize;
    private final ScoreMode mode;
    private final ScoreMetrics metrics;  // null: not counted

    PartitionScorer(ExecutorModels.Key key, InputColumn column, int outputSize, int batchSize, ScoreMode mode,
                    ScoreMetrics metrics) {
        this.key = key;
        this.column = column;
        this.outputSize = outputSize;
        this.batchSize = batchSize;
        this.mode = mode;
        this.metrics = metrics;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        long start = System.nanoTime();
        InferenceSession session = ExecutorModels.session(key);
        TaskContext task = TaskContext.get();
        int partition = task == null ? -1 : task.partitionId();
        if (metrics != null) {
            metrics.addPartition(System.nanoTime() - start);
            if (task != null) {
                // Completion listeners run before the executor collects the task's accumulators.
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) t -> metrics.addTask(System.nanoTime() - start));
            }
        }
        return new Iterator<>() {
            private final int sample = column.sample();
            private final float[] floats = column.floatInput() ? new float[batchSize * sample] : null;
            private final byte[] bytes = column.floatInput() ? null : new byte[batchSize * sample];
            private final List<Row> batch = new ArrayList<>(batchSize);
            private final String[] errors = new String[batchSize];
            private final int[] slot = new int[batchSize];
            private List<Row> ready = List.of();
            private int next;
            private long index;  // rows of this partition read so far

            @Override
            public boolean hasNext() {
                if (next < ready.size()) {
                    return true;
                }
                long t0 = System.nanoTime();  // Spark may fetch the next row in hasNext: input time
                if (!rows.hasNext()) {
                    return false;
                }
                ready = scoreBatch(t0);
                next = 0;
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.get(next++);
            }

            private List<Row> scoreBatch(long t0) {
                batch.clear();
                int good = 0;
                while (batch.size() < batchSize && rows.hasNext()) {
                    Row row = rows.next();
                    int i = batch.size();
                    String why = column.read(row, floats, bytes, good * sample);
                    if (why != null && mode == ScoreMode.FAILFAST) {
                        throw new BadRowException(partition, index, why);
                    }
                    errors[i] = why;
                    slot[i] = why == null ? good++ : -1;
                    batch.add(row);
                    index++;
                }
                long t1 = System.nanoTime();
                float[] y = good == 0 ? new float[0]
                        : floats != null ? session.run(good == batchSize ? floats : Arrays.copyOf(floats, good * sample), good)
                        : session.run(good == batchSize ? bytes : Arrays.copyOf(bytes, good * sample), good);
                long t2 = System.nanoTime();
                List<Row> out = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    out.add(withOutputs(batch.get(i), y, slot[i], errors[i]));
                }
                if (metrics != null) {
                    metrics.addBatch(batch.size(), batch.size() - good, good == 0 ? 0 : 1, t1 - t0, t2 - t1, System.nanoTime() - t2);
                }
                return out;
            }
        };
    }

    private Row withOutputs(Row row, float[] y, int slot, String error) {
        int n = row.length();
        boolean permissive = mode == ScoreMode.PERMISSIVE;
        Object[] values = new Object[n + (permissive ? 3 : 2)];
        for (int c = 0; c < n; c++) {
            values[c] = row.get(c);
        }
        if (slot >= 0) {
            values[n] = Arrays.copyOfRange(y, slot * outputSize, (slot + 1) * outputSize);
            values[n + 1] = Evaluation.argmax(y, slot * outputSize, outputSize);
        }
        if (permissive) {
            values[n + 2] = error;
        }
        return RowFactory.create(values);
    }
}
