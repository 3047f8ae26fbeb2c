package dev.sparse24.spark;

import dev.sparse24.data.IdxArray;
import dev.sparse24.data.IdxReader;
import dev.sparse24.runtime.Device;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 spark-score MODEL --images IDX_OR_PARQUET --out DIR}: the ready Spark job. It
 * scores every image with {@link Sparse24Spark#score}, writes the predictions as Parquet to
 * {@code DIR} atomically (into a temporary sibling directory, renamed to {@code DIR} when
 * complete: a failed job leaves no {@code DIR}) and prints the rows scored, the rows refused
 * (PERMISSIVE), the accuracy when labels are given, and where the time went: the phases of the
 * command, then the timed pass's task time split by {@link ScoreMetrics} (model, input rows,
 * output rows, Spark's serialization and Parquet write) and the wall time outside tasks.
 *
 * <p>Images: an IDX file of unsigned bytes (MNIST's, raw or gzip; read on the driver and
 * broadcast, one row per image, column {@code image} binary, {@code id} its index: {@link IdxFrame})
 * or Parquet (a file or directory, any Hadoop path; its own input column). Labels: {@code --labels IDX} for IDX images, or a
 * {@code label} column in the Parquet. Output columns: {@code id} / every column of the Parquet
 * but the input, {@code logits}, {@code prediction}, {@code error} (PERMISSIVE).
 *
 * <p>Exit status: 0 done, 1 a row refused in FAILFAST mode or another job failure, 2 a user error
 * (missing file, bad flag, existing output), each said in one line.
 */
@Command(name = "sparse24 spark-score", mixinStandardHelpOptions = true,
        description = {"Score images with a .s24/.tflite model on Apache Spark (local or cluster):"
                + " Parquet predictions, written atomically; accuracy when labels are given."})
public final class SparkScoreCommand implements Callable<Integer> {
    static final int EXIT_USER_ERROR = 2;

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "The model: a local file, a file shipped with --files (its name), or a Hadoop URI.")
    String model;

    @Option(names = "--images", required = true, paramLabel = "IDX_OR_PARQUET",
            description = "An IDX image file (raw or .gz) or Parquet (file, directory or Hadoop URI).")
    String images;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (Parquet); must not exist.")
    String out;

    @Option(names = "--labels", paramLabel = "IDX", description = "IDX labels of IDX images (prints accuracy).")
    Path labels;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark.master when set, as by spark-submit, else local[*]).")
    String master;

    @Option(names = "--batch", defaultValue = "256", paramLabel = "N", description = "Rows per session call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "T",
            description = "Session threads per executor, 0: spark.task.cpus (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--mode", defaultValue = "PERMISSIVE", paramLabel = "MODE",
            description = "Bad rows: PERMISSIVE (null outputs, reason in 'error') or FAILFAST (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--partitions", defaultValue = "0", paramLabel = "P",
            description = "Partitions to score in, 0: Spark's default parallelism: IDX images are cut into P; Parquet"
                    + " read into fewer is repartitioned to P (a shuffle; one file of one row group is one partition,"
                    + " which would leave all but one core idle) (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--input-col", defaultValue = "image", paramLabel = "NAME",
            description = "Input column of Parquet images (default: ${DEFAULT-VALUE}).")
    String inputCol;

    @Option(names = "--label-col", defaultValue = "label", paramLabel = "NAME",
            description = "Label column of Parquet images, used when present (default: ${DEFAULT-VALUE}).")
    String labelCol;

    @Option(names = "--warmup", defaultValue = "0", paramLabel = "K",
            description = "Score and write the images K times to a scratch directory (deleted) before the timed pass:"
                    + " what a long job's later partitions see (model loaded on every executor, JIT warm, the Parquet"
                    + " writer loaded); for measurements (default: ${DEFAULT-VALUE}).")
    int warmup;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the job and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with user errors said in one line and exit status 2. */
    static CommandLine commandLine() {
        return new CommandLine(new SparkScoreCommand()).setExecutionExceptionHandler((e, cl, parsed) -> {
            String message = userError(e);
            if (message == null) {
                throw e;
            }
            cl.getErr().println("spark-score: " + message.replace('\n', ' '));
            cl.getErr().flush();
            return e instanceof SparkException || rootCause(e) instanceof BadRowException ? 1 : EXIT_USER_ERROR;
        });
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ScoreMode how;
        try {
            how = ScoreMode.valueOf(mode.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println("spark-score: --mode must be PERMISSIVE or FAILFAST, given " + mode);
            return EXIT_USER_ERROR;
        }
        if (batch < 1 || threads < 0 || partitions < 0 || warmup < 0) {
            err.println("spark-score: --batch must be >= 1, --threads, --partitions and --warmup >= 0, given "
                    + batch + ", " + threads + ", " + partitions + ", " + warmup);
            return EXIT_USER_ERROR;
        }
        Path localOut = localPath(out);
        if (localOut != null && Files.exists(localOut)) {
            err.println("spark-score: --out " + out + " already exists; give a new directory");
            return EXIT_USER_ERROR;
        }
        Path localImages = localPath(images);
        if (localImages != null && !Files.exists(localImages)) {
            err.println("spark-score: --images " + images + " not found");
            return EXIT_USER_ERROR;
        }
        if (labels != null && !Files.isRegularFile(labels)) {
            err.println("spark-score: --labels " + labels + " not found");
            return EXIT_USER_ERROR;
        }
        long t0 = System.nanoTime();
        SparkSession.Builder builder = SparkSession.builder().appName("sparse24 spark-score");
        if (master != null) {
            builder.master(master);
        } else if (System.getProperty("spark.master") == null) {
            builder.master("local[*]");
        }
        SparkSession spark = builder.config("spark.ui.enabled", "false").getOrCreate();
        try {
            double start = (System.nanoTime() - t0) / 1e9;
            run(spark, how, start, spec.commandLine().getOut());
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** The job on {@code spark} (which it does not stop): read, score, write, check, report. */
    void run(SparkSession spark, ScoreMode how, double startSeconds, PrintWriter report) throws IOException {
        ScoreOptions options = ScoreOptions.defaults().withBatchSize(batch).withThreads(threads).withMode(how)
                .withDevice(Device.CPU);
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(out);
        FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (fs.exists(target)) {
            throw new IllegalArgumentException("--out " + out + " already exists; give a new directory");
        }
        long t0 = System.nanoTime();
        Dataset<Row> df;
        int readPartitions = -1;  // Parquet: as read, before any repartition
        boolean labelled;
        String input;
        String labelName;
        Path local = localPath(images);
        if (local != null && Files.isRegularFile(local) && isIdx(local)) {
            df = idxRows(spark, local);
            labelled = labels != null;
            input = "image";
            labelName = "label";
        } else {
            if (labels != null) {
                throw new IllegalArgumentException("--labels is for IDX images; Parquet images carry a '" + labelCol + "' column");
            }
            if (local != null && !Files.exists(local)) {
                throw new IllegalArgumentException("--images " + images + " not found");
            }
            df = spark.read().parquet(images);
            int slices = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
            readPartitions = df.rdd().getNumPartitions();
            if (readPartitions < slices) {
                df = df.repartition(slices);
            }
            labelled = Arrays.asList(df.schema().fieldNames()).contains(labelCol);
            input = inputCol;
            labelName = labelCol;
        }
        double read = (System.nanoTime() - t0) / 1e9;

        // Warm-up passes do what the timed pass does - score and write Parquet, here to a scratch
        // sibling deleted after each - so that the timed pass runs warm code all the way to the
        // file (a foreach would leave the Parquet writer's classes unloaded and its code cold).
        double warm = 0;
        for (int k = 0; k < warmup; k++) {
            long tw = System.nanoTime();
            org.apache.hadoop.fs.Path scratch = sibling(target, ".warmup-");
            try {
                writeParquet(Sparse24Spark.score(df, model, options.withInputCol(input)).drop(input), options, scratch);
            } finally {
                fs.delete(scratch, true);
            }
            warm += (System.nanoTime() - tw) / 1e9;
        }
        ScoreMetrics metrics = ScoreMetrics.register(spark.sparkContext());
        long t1 = System.nanoTime();
        long cpu1 = processCpuNanos();
        Dataset<Row> scored = Sparse24Spark.score(df, model, options.withInputCol(input), metrics).drop(input);
        org.apache.hadoop.fs.Path tmp = sibling(target, ".tmp-");
        try {
            writeParquet(scored, options, tmp);
            if (!fs.rename(tmp, target)) {
                throw new IOException("cannot rename " + tmp + " to " + target + " (did another job create it?)");
            }
        } finally {
            if (fs.exists(tmp)) {
                fs.delete(tmp, true);
            }
        }
        double scoring = (System.nanoTime() - t1) / 1e9;
        double cpu = (processCpuNanos() - cpu1) / 1e9;

        Dataset<Row> written = spark.read().parquet(out);
        long rows = written.count();
        int scoredPartitions = scored.rdd().getNumPartitions();
        report.printf(Locale.ROOT, "Scored %d rows with %s -> %s (Parquet; %d partitions%s, batch %d, %s)%n", rows, model, out,
                scoredPartitions, readPartitions >= 0 && readPartitions != scoredPartitions
                        ? " repartitioned from the " + readPartitions + " read" : "", batch, how);
        if (how == ScoreMode.PERMISSIVE) {
            long refused = written.filter(written.col(options.errorCol()).isNotNull()).count();
            report.println("Refused: " + refused + " rows (reason in column '" + options.errorCol() + "')");
        }
        if (labelled) {
            long correct = written.filter(written.col(options.predictionCol()).equalTo(written.col(labelName))).count();
            report.printf(Locale.ROOT, "Accuracy: %.4f (%d of %d)%n", rows == 0 ? 0.0 : (double) correct / rows, correct, rows);
        }
        report.printf(Locale.ROOT, "Time: Spark start %.2f s, read %.2f s,%s score + write %.2f s (%.1f images/s; this JVM's"
                        + " CPU %.2f s)%n", startSeconds, read,
                warmup > 0 ? String.format(Locale.ROOT, " warm-up %d x %.2f s,", warmup, warm / warmup) : "",
                scoring, rows / scoring, cpu);
        report.println(taskTimeLine(metrics, scoring, spark.sparkContext().defaultParallelism()));
        report.flush();
    }

    /**
     * Where the timed pass's task time went ({@link ScoreMetrics}) and what of the pass's wall
     * time the mean scoring task did not cover (planning, scheduling, shipping and deserializing
     * tasks, waiting for the slower task, the job's commit, any stage before the scoring).
     */
    static String taskTimeLine(ScoreMetrics m, double wallSeconds, int cores) {
        double task = m.taskSeconds();
        double ours = m.openSeconds() + m.inputSeconds() + m.modelSeconds() + m.outputSeconds();
        return String.format(Locale.ROOT, "Task time: %.2f thread-s in %d tasks, %d batches: model %.2f s, input rows %.2f s,"
                        + " output rows %.2f s, session %.2f s, Spark's row serialization + Parquet write %.2f s;"
                        + " wall beyond the mean task (planning, scheduling, task shipping, a slower task, job commit,"
                        + " a repartition's shuffle stage) ~%.2f s of %.2f s on %d cores",
                task, m.partitions(), m.batches(), m.modelSeconds(), m.inputSeconds(), m.outputSeconds(), m.openSeconds(),
                Math.max(0, task - ours), Math.max(0, wallSeconds - task / Math.max(1, Math.min(cores, m.partitions()))),
                wallSeconds, cores);
    }

    /**
     * Writes {@code scored} as Parquet to {@code dir}, the logits column without a dictionary:
     * float logits almost never repeat, so parquet-mr's dictionary attempt on them is work thrown
     * away (it falls back to PLAIN, the file is the same): about a third of the write's time
     * (docs/spark.md). The other columns keep it.
     */
    private static void writeParquet(Dataset<Row> scored, ScoreOptions options, org.apache.hadoop.fs.Path dir) {
        scored.write().option("parquet.enable.dictionary#" + options.logitsCol() + ".list.element", "false")
                .parquet(dir.toString());
    }

    private static org.apache.hadoop.fs.Path sibling(org.apache.hadoop.fs.Path target, String infix) {
        return new org.apache.hadoop.fs.Path(target.getParent(), "." + target.getName() + infix + UUID.randomUUID());
    }

    private Dataset<Row> idxRows(SparkSession spark, Path file) throws IOException {
        IdxArray x = IdxReader.read(file);
        int n = x.count();
        int size = x.itemSize();
        int[] y = null;
        if (labels != null) {
            IdxArray l = IdxReader.read(labels);
            if (l.count() != n || l.itemSize() != 1) {
                throw new IllegalArgumentException("--labels " + labels + " holds " + l.count() + " labels of " + l.itemSize()
                        + " bytes, the images " + n + " (one byte each expected)");
            }
            y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = l.unsignedByte(i);
            }
        }
        int slices = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
        return IdxFrame.of(spark, x, y, slices);
    }

    /** The local path {@code s} names, or null for a URI with another scheme (a Hadoop path). */
    static Path localPath(String s) {
        int colon = s.indexOf(':');
        int slash = s.indexOf('/');
        if (colon > 1 && (slash < 0 || colon < slash)) {
            return s.startsWith("file:") ? Path.of(java.net.URI.create(s)) : null;
        }
        return Path.of(s);
    }

    /** IDX (00 00 08 rank) or gzip; Parquet files start with "PAR1". */
    private static boolean isIdx(Path p) throws IOException {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(p)) {
            if (in.readNBytes(head, 0, 4) < 4) {
                return false;
            }
        }
        boolean gzip = (head[0] & 0xFF) == 0x1f && (head[1] & 0xFF) == 0x8b;
        return gzip || (head[0] == 0 && head[1] == 0 && head[2] == IdxReader.UNSIGNED_BYTE);
    }

    /** CPU time of this JVM (all threads; in local mode the executors' too), -1 where unknown. */
    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** The one-line message of a user's or data's error, or null for a bug (stack trace kept). */
    static String userError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BadRowException || t instanceof dev.sparse24.data.IdxFormatException) {
                return t.getMessage();
            }
        }
        if (e instanceof IllegalArgumentException || e instanceof UncheckedIOException || e instanceof IOException
                || e instanceof org.apache.spark.sql.AnalysisException) {
            return e.getMessage();
        }
        return null;
    }
}
