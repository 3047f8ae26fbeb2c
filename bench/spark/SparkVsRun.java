package dev.sparse24.spark;

import dev.sparse24.data.IdxArray;
import dev.sparse24.data.IdxReader;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code run} against {@code spark-score} in one JVM, pass by pass, so that both see the same
 * load on a shared machine: A is {@code sparse24 run}'s throughput loop (one session of
 * {@code threads} threads, the images in batches of {@code batch}, pixels / 255); B is
 * {@code spark-score}'s timed pass (local[threads], the images in {@code threads} partitions
 * ({@link IdxFrame}), {@link Sparse24Spark#score}, Parquet written as the command writes it).
 * Each line: both throughputs, B/A, and where B's wall went (the driver's {@code score()} call,
 * planning until the job starts, task launch, each task's time and deserialization, the commit).
 * Not a test and not JMH: a look at a Spark job's fixed costs; run by {@code run-spark-vs-run.sh}.
 *
 * <p>Arguments: MODEL IDX_IMAGES PASSES [BATCH [THREADS]]; the first two passes are warm-up.
 */
public final class SparkVsRun {
    private static final List<long[]> TASKS = new CopyOnWriteArrayList<>();  // launch, finish, deserialize ms
    private static volatile long jobStart;
    private static volatile long jobEnd;

    public static void main(String[] args) throws Exception {
        String model = args[0];
        IdxArray x = IdxReader.read(Path.of(args[1]));
        int passes = Integer.parseInt(args[2]);
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 256;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int n = x.count();
        int size = x.itemSize();
        float[] all = new float[n * size];
        byte[] d = x.data();
        for (int i = 0; i < all.length; i++) {
            all[i] = (d[i] & 0xFF) / 255f;
        }
        Path scratch = Files.createTempDirectory("spark-vs-run");
        SparkSession spark = SparkSession.builder().master("local[" + threads + "]").config("spark.ui.enabled", "false").getOrCreate();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart e) {
                jobStart = e.time();
            }

            @Override
            public void onJobEnd(SparkListenerJobEnd e) {
                jobEnd = e.time();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd e) {
                TASKS.add(new long[]{e.taskInfo().launchTime(), e.taskInfo().finishTime(), e.taskMetrics().executorDeserializeTime()});
            }
        });
        Dataset<Row> df = IdxFrame.of(spark, x, null, threads);
        ScoreOptions options = ScoreOptions.defaults().withBatchSize(batch);
        try (InferenceSession s = SparseModel.load(Path.of(model)).newSession(
                SessionOptions.defaults().withThreads(threads).withMaxBatch(batch))) {
            for (int p = 0; p < passes; p++) {
                s.run(Arrays.copyOfRange(all, 0, Math.min(batch, n) * size), Math.min(batch, n));  // as RuntimeTiming
                long a0 = System.nanoTime();
                for (int i = 0; i < n; i += batch) {
                    int b = Math.min(batch, n - i);
                    s.run(Arrays.copyOfRange(all, i * size, (i + b) * size), b);
                }
                double a = (System.nanoTime() - a0) / 1e9;

                TASKS.clear();
                ScoreMetrics m = ScoreMetrics.register(spark.sparkContext());
                long w0 = System.currentTimeMillis();
                long b0 = System.nanoTime();
                Dataset<Row> scored = Sparse24Spark.score(df, model, options, m).drop("image");
                long built = System.currentTimeMillis();
                scored.write().option("parquet.enable.dictionary#logits.list.element", "false")
                        .parquet(scratch.resolve("pass-" + p).toString());
                double b = (System.nanoTime() - b0) / 1e9;
                long w1 = System.currentTimeMillis();
                Thread.sleep(200);  // the listener bus is asynchronous
                long launch = TASKS.stream().mapToLong(t -> t[0]).min().orElse(0);
                long last = TASKS.stream().mapToLong(t -> t[1]).max().orElse(0);
                System.out.printf(Locale.ROOT, "%s %s %d: A run %.0f img/s | B spark %.0f img/s | B/A %.2f | model %.2f thread-s"
                                + " | score() %d ms, to job start %d, to first task %d, tasks %s ms, last task to job end %d,"
                                + " to return %d%n", LocalTime.now().withNano(0), p < 2 ? "warm-up" : "pass", p, n / a, n / b, a / b,
                        m.modelSeconds(), built - w0, jobStart - built, launch - jobStart,
                        TASKS.stream().map(t -> (t[1] - t[0]) + " (deser " + t[2] + ")").toList(), jobEnd - last, w1 - jobEnd);
            }
        } finally {
            spark.stop();
            try (var walk = Files.walk(scratch)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
