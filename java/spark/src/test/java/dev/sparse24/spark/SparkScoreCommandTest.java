package dev.sparse24.spark;

import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.testing.TutorialFixture;
import dev.sparse24.train.Evaluation;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code spark-score} job end to end in local[2], as {@code ./sparse24 spark-score} runs it:
 * IDX images and labels to Parquet predictions and accuracy (labels made from an
 * {@link InferenceSession}'s own predictions, five of them changed, so the accuracy is known),
 * Parquet input with a bad row in both modes, the one-line user errors.
 */
class SparkScoreCommandTest {
    private static final int N = 30;
    private static final int WRONG = 5;

    @TempDir
    static Path dir;
    private static Path model;
    private static Path images;
    private static Path labels;
    private static Path parquet;
    private static int[] predicted;

    @BeforeAll
    static void setUp() throws Exception {
        model = dir.resolve("model.s24");
        S24Writer.write(TutorialFixture.graph(6), model);
        Random rnd = new Random(11);
        byte[] pixels = new byte[N * 784];
        rnd.nextBytes(pixels);
        float[] x = new float[pixels.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (pixels[i] & 0xFF) / 255f;
        }
        predicted = new int[N];
        byte[] y = new byte[N];
        try (InferenceSession s = SparseModel.load(model).newSession(SessionOptions.defaults().withDevice(Device.CPU).withMaxBatch(N))) {
            float[] logits = s.run(x, N);
            for (int i = 0; i < N; i++) {
                predicted[i] = Evaluation.argmax(logits, i * 10, 10);
                y[i] = (byte) (i < WRONG ? (predicted[i] + 1) % 10 : predicted[i]);
            }
        }
        images = dir.resolve("images-idx3-ubyte");
        Files.write(images, idx(new int[]{N, 28, 28}, pixels));
        labels = dir.resolve("labels-idx1-ubyte");
        Files.write(labels, idx(new int[]{N}, y));

        parquet = dir.resolve("rows.parquet");
        SparkSession spark = SparkTestSession.start("SparkScoreCommandTest-setup");
        try {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                float[] v = java.util.Arrays.copyOfRange(x, i * 784, i == 2 ? i * 784 + 5 : (i + 1) * 784);
                rows.add(RowFactory.create((long) i, v, predicted[i]));
            }
            StructType schema = new StructType().add("id", DataTypes.LongType).add("pixels",
                    DataTypes.createArrayType(DataTypes.FloatType, false)).add("label", DataTypes.IntegerType);
            spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 1), schema)
                    .write().parquet(parquet.toString());
        } finally {
            spark.stop();
        }
    }

    /** An unsigned-byte IDX file: magic 00 00 08 rank, the dimensions, the data. */
    private static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = SparkScoreCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void idxImagesGiveParquetPredictionsAndAccuracy() throws IOException {
        Path out = dir.resolve("predictions");
        Result r = execute(model.toString(), "--images", images.toString(), "--labels", labels.toString(),
                "--out", out.toString(), "--master", "local[2]", "--batch", "8", "--warmup", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Scored " + N + " rows"), r.out());
        // Two partitions of 15 rows (local[2]'s parallelism) in batches of 8: 2 + 2 session calls.
        assertTrue(r.out().contains("Task time: ") && r.out().contains(" in 2 tasks, 4 batches: model "), r.out());
        assertTrue(r.out().contains("Refused: 0 rows"), r.out());
        assertTrue(r.out().contains("Accuracy: 0.8333 (25 of 30)"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("_SUCCESS")));
        try (Stream<Path> siblings = Files.list(dir)) {
            assertFalse(siblings.anyMatch(p -> p.getFileName().toString().contains(".tmp-")
                    || p.getFileName().toString().contains(".warmup-")), "temporary or warm-up directory left");
        }
        SparkSession spark = SparkTestSession.start("SparkScoreCommandTest-read");
        try {
            List<Row> rows = spark.read().parquet(out.toString()).orderBy("id").collectAsList();
            assertEquals(N, rows.size());
            for (Row row : rows) {
                int id = (int) row.getLong(row.fieldIndex("id"));
                assertEquals(predicted[id], row.getInt(row.fieldIndex("prediction")), "row " + id);
            }
            assertEquals(List.of("id", "label", "logits", "prediction", "error"),
                    List.of(spark.read().parquet(out.toString()).schema().fieldNames()));
        } finally {
            spark.stop();
        }
        Result again = execute(model.toString(), "--images", images.toString(), "--out", out.toString());
        assertEquals(2, again.exit());
        assertTrue(again.err().startsWith("spark-score: --out " + out + " already exists"), again.err());
    }

    @Test
    void parquetBadRowIsRefusedOrFailsTheJob() {
        Path permissive = dir.resolve("permissive");
        Result r = execute(model.toString(), "--images", parquet.toString(), "--input-col", "pixels",
                "--out", permissive.toString(), "--master", "local[2]");
        assertEquals(0, r.exit(), r.err());
        // One file of one row group reads as one partition: repartitioned to local[2]'s two.
        assertTrue(r.out().contains("(Parquet; 2 partitions repartitioned from the 1 read, batch 256, PERMISSIVE)")
                && r.out().contains(" in 2 tasks, "), r.out());
        assertTrue(r.out().contains("Refused: 1 rows"), r.out());
        assertTrue(r.out().contains("Accuracy: 0.8333 (5 of 6)"), r.out());

        Path failfast = dir.resolve("failfast");
        Result f = execute(model.toString(), "--images", parquet.toString(), "--input-col", "pixels",
                "--out", failfast.toString(), "--master", "local[2]", "--mode", "failfast");
        assertEquals(1, f.exit(), f.err());
        // Which partition and row: of the repartitioned rows (see the test above).
        assertTrue(f.err().startsWith("spark-score: row ") && f.err().contains(" cannot be scored (mode FAILFAST): input column"
                + " pixels holds 5 values, the model's input"), f.err());
        assertFalse(Files.exists(failfast), "a failed job leaves no output directory");
    }

    /** The encodings of column {@code path} (dots between levels) in every Parquet file of {@code dir}. */
    private static List<String> encodings(Path dir, String path) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
                try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
                        new org.apache.hadoop.fs.Path(f.toUri()), new Configuration()))) {
                    r.getFooter().getBlocks().forEach(b -> b.getColumns().stream()
                            .filter(c -> c.getPath().toDotString().equals(path))
                            .forEach(c -> c.getEncodings().forEach(e -> found.add(e.name()))));
                }
            }
        }
        return found;
    }

    @Test
    void logitsAreWrittenWithoutADictionaryTheOtherColumnsWithOne() throws IOException {
        Path same = dir.resolve("same-idx3-ubyte");  // identical images: identical logits, which a dictionary would take
        Files.write(same, idx(new int[]{N, 28, 28}, new byte[N * 784]));
        Path out = dir.resolve("same-predictions");
        Result r = execute(model.toString(), "--images", same.toString(), "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, r.exit(), r.err());
        List<String> logits = encodings(out, "logits.list.element");
        assertFalse(logits.isEmpty(), "no logits column chunks found");
        assertFalse(logits.contains("PLAIN_DICTIONARY") || logits.contains("RLE_DICTIONARY"), logits.toString());
        assertTrue(encodings(out, "prediction").contains("PLAIN_DICTIONARY"), encodings(out, "prediction").toString());
    }

    @Test
    void userErrorsAreOneLineAndExitTwo() {
        Result missing = execute(model.toString(), "--images", dir.resolve("none").toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().startsWith("spark-score: --images " + dir.resolve("none") + " not found"), missing.err());
        Result mode = execute(model.toString(), "--images", images.toString(), "--out", dir.resolve("y").toString(), "--mode", "lenient");
        assertEquals(2, mode.exit());
        assertTrue(mode.err().contains("--mode must be PERMISSIVE or FAILFAST, given lenient"), mode.err());
    }
}
