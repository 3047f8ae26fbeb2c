package dev.sparse24.spark;

import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.testing.TutorialFixture;
import dev.sparse24.train.Evaluation;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Sparse24Spark#score} in Spark local[2] on small DataFrames of random 28x28 images,
 * checked against an {@link InferenceSession} of the same model run directly on the same
 * images: both column types, both bad-row modes, the driver's checks, the model sources.
 */
class Sparse24SparkTest {
    private static final int PIXELS = 28 * 28;
    private static final int ROWS = 41;  // not a multiple of any batch size used: partial batches
    private static final float TOLERANCE = 1e-4f;

    @TempDir
    static Path dir;
    private static SparkSession spark;
    private static Path model;
    private static byte[][] images;
    private static float[][] expected;  // the session's logits per image

    @BeforeAll
    static void setUp() throws Exception {
        model = dir.resolve("fixture.s24");
        S24Writer.write(TutorialFixture.graph(5), model);
        Random rnd = new Random(7);
        images = new byte[ROWS][PIXELS];
        float[] x = new float[ROWS * PIXELS];
        for (int i = 0; i < ROWS; i++) {
            rnd.nextBytes(images[i]);
            for (int p = 0; p < PIXELS; p++) {
                x[i * PIXELS + p] = (images[i][p] & 0xFF) / 255f;
            }
        }
        try (InferenceSession s = SparseModel.load(model).newSession(SessionOptions.defaults()
                .withDevice(dev.sparse24.runtime.Device.CPU).withMaxBatch(ROWS))) {
            float[] y = s.run(x, ROWS);
            int k = y.length / ROWS;
            expected = new float[ROWS][];
            for (int i = 0; i < ROWS; i++) {
                expected[i] = Arrays.copyOfRange(y, i * k, (i + 1) * k);
            }
        }
        spark = SparkTestSession.start("Sparse24SparkTest");
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static Dataset<Row> frame(DataType imageType, List<Row> rows, int partitions) {
        StructType schema = new StructType().add("id", DataTypes.LongType, false).add("image", imageType, true);
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions), schema);
    }

    private static List<Row> pixelRows() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(RowFactory.create((long) i, images[i]));
        }
        return rows;
    }

    private static List<Row> valueRows(boolean doubles) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            Object[] v = new Object[PIXELS];
            for (int p = 0; p < PIXELS; p++) {
                float f = (images[i][p] & 0xFF) / 255f;
                v[p] = doubles ? (Object) (double) f : (Object) f;
            }
            rows.add(RowFactory.create((long) i, seq(Arrays.asList(v))));
        }
        return rows;
    }

    /** Every row's logits equal the session's (to float noise of other batchings) and its prediction their arg-max. */
    private static void assertScoredLikeSession(List<Row> scored) {
        assertEquals(ROWS, scored.size());
        for (Row r : scored) {
            int id = (int) r.getLong(0);
            float[] logits = floats(r.getList(r.fieldIndex("logits")));
            assertArrayEquals(expected[id], logits, TOLERANCE, "row " + id);
            assertEquals(Evaluation.argmax(expected[id], 0, expected[id].length), r.getInt(r.fieldIndex("prediction")), "row " + id);
        }
    }

    /** A Scala Seq, the external type of an array column in a Row. */
    private static scala.collection.immutable.Seq<Object> seq(List<Object> values) {
        return scala.jdk.javaapi.CollectionConverters.asScala(values).toSeq();
    }

    private static float[] floats(List<Object> list) {
        float[] f = new float[list.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (Float) list.get(i);
        }
        return f;
    }

    @Test
    void binaryPixelsScoreLikeTheSession() {
        Dataset<Row> scored = Sparse24Spark.score(frame(DataTypes.BinaryType, pixelRows(), 3), model.toString(),
                ScoreOptions.defaults().withBatchSize(16));
        assertEquals(List.of("id", "image", "logits", "prediction", "error"), Arrays.asList(scored.schema().fieldNames()));
        List<Row> rows = scored.collectAsList();
        assertScoredLikeSession(rows);
        for (Row r : rows) {
            assertNull(r.get(r.fieldIndex("error")));
            assertArrayEquals(images[(int) r.getLong(0)], (byte[]) r.get(1), "input column kept");
        }
    }

    @Test
    void floatAndDoubleArraysScoreLikeTheSession() {
        for (boolean doubles : new boolean[]{false, true}) {
            DataType t = DataTypes.createArrayType(doubles ? DataTypes.DoubleType : DataTypes.FloatType, true);
            Dataset<Row> scored = Sparse24Spark.score(frame(t, valueRows(doubles), 2), model.toString(),
                    ScoreOptions.defaults().withBatchSize(8).withMode(ScoreMode.FAILFAST).withThreads(2));
            assertEquals(List.of("id", "image", "logits", "prediction"), Arrays.asList(scored.schema().fieldNames()));
            assertScoredLikeSession(scored.collectAsList());
        }
    }

    @Test
    void permissiveGivesNullOutputsAndTheReason() {
        List<Row> rows = valueRows(false);
        List<Object> nan = new ArrayList<>(rows.get(3).getList(1));
        nan.set(100, Float.NaN);
        List<Object> inf = new ArrayList<>(rows.get(4).getList(1));
        inf.set(7, Float.POSITIVE_INFINITY);
        List<Object> hole = new ArrayList<>(rows.get(5).getList(1));
        hole.set(9, null);
        rows.set(1, RowFactory.create(1L, null));
        rows.set(2, RowFactory.create(2L, seq(rows.get(2).getList(1).subList(0, PIXELS - 1))));
        rows.set(3, RowFactory.create(3L, seq(nan)));
        rows.set(4, RowFactory.create(4L, seq(inf)));
        rows.set(5, RowFactory.create(5L, seq(hole)));
        List<Row> scored = Sparse24Spark.score(frame(DataTypes.createArrayType(DataTypes.FloatType, true), rows, 2),
                model.toString(), ScoreOptions.defaults().withBatchSize(4).withErrorCol("why")).orderBy("id").collectAsList();
        String[] reasons = {null, "input column image is null", "holds 783 values", "value 100 of input column image is NaN",
                "value 7 of input column image is Infinity", "value 9 of input column image is null"};
        for (int i = 1; i < reasons.length; i++) {
            Row r = scored.get(i);
            assertNull(r.get(r.fieldIndex("logits")), "row " + i);
            assertNull(r.get(r.fieldIndex("prediction")), "row " + i);
            String why = r.getString(r.fieldIndex("why"));
            assertNotNull(why, "row " + i);
            assertTrue(why.contains(reasons[i]), "row " + i + ": " + why);
        }
        List<Row> good = new ArrayList<>(scored.subList(6, ROWS));
        good.add(0, scored.get(0));
        for (Row r : good) {
            int id = (int) r.getLong(0);
            assertNull(r.get(r.fieldIndex("why")));
            assertArrayEquals(expected[id], floats(r.getList(r.fieldIndex("logits"))), TOLERANCE, "row " + id);
        }
    }

    @Test
    void permissiveRefusesShortAndNullPixels() {
        List<Row> rows = pixelRows();
        rows.set(0, RowFactory.create(0L, Arrays.copyOf(images[0], 100)));
        rows.set(1, RowFactory.create(1L, null));
        List<Row> scored = Sparse24Spark.score(frame(DataTypes.BinaryType, rows, 1), model.toString())
                .orderBy("id").collectAsList();
        assertTrue(scored.get(0).getString(4).contains("holds 100 bytes, the model's input"), scored.get(0).getString(4));
        assertTrue(scored.get(1).getString(4).contains("is null"), scored.get(1).getString(4));
        assertNull(scored.get(0).get(2));
        assertEquals(Evaluation.argmax(expected[2], 0, expected[2].length), scored.get(2).getInt(3));
    }

    @Test
    void failfastFailsTheJobNamingTheRow() {
        List<Row> rows = valueRows(false);
        List<Object> nan = new ArrayList<>(rows.get(13).getList(1));
        nan.set(5, Float.NaN);
        rows.set(13, RowFactory.create(13L, seq(nan)));
        Dataset<Row> scored = Sparse24Spark.score(frame(DataTypes.createArrayType(DataTypes.FloatType, true), rows, 1),
                model.toString(), ScoreOptions.defaults().withMode(ScoreMode.FAILFAST));
        SparkException e = assertThrows(SparkException.class, scored::collectAsList);
        assertTrue(e.getMessage().contains("row 13 of partition 0 cannot be scored (mode FAILFAST): value 5 of input column image is NaN"),
                e.getMessage());
    }

    @Test
    void driverRefusesWhatCannotRunBeforeAnyTask() {
        Dataset<Row> df = frame(DataTypes.BinaryType, pixelRows(), 1);
        String m = model.toString();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sparse24Spark.score(df, m,
                ScoreOptions.defaults().withInputCol("pixels"))).getMessage().contains("input column pixels not found; the columns are id, image"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sparse24Spark.score(df, m,
                ScoreOptions.defaults().withInputCol("id"))).getMessage().contains("is bigint: it must be array<float>, array<double> or binary"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sparse24Spark.score(df, m,
                ScoreOptions.defaults().withLogitsCol("id"))).getMessage().contains("output column id already exists"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sparse24Spark.score(df, dir.resolve("none.s24").toString()))
                .getMessage().contains("not found: looked for the local file"));
        assertThrows(IllegalArgumentException.class, () -> ScoreOptions.defaults().withBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> ScoreOptions.defaults().withPredictionCol("logits"));
    }

    /** Rows per partition of {@code df}, counted by Spark itself. */
    private static List<Integer> partitionSizes(Dataset<Row> df) {
        return df.javaRDD().mapPartitions(it -> {
            int n = 0;
            for (; it.hasNext(); it.next()) {
                n++;
            }
            return List.of(n).iterator();
        }).collect();
    }

    @Test
    void metricsCountEveryPartitionAndOneSessionCallPerBatch() {
        List<Row> rows = pixelRows();
        for (int i = 0; i < 4; i++) {
            rows.set(i, RowFactory.create((long) i, Arrays.copyOf(images[i], 10)));  // the first batch all refused
        }
        for (int partitions : new int[]{1, 3, 50}) {  // 50 > 41 rows: empty partitions too
            Dataset<Row> df = frame(DataTypes.BinaryType, rows, partitions);
            List<Integer> sizes = partitionSizes(df);
            ScoreMetrics m = ScoreMetrics.register(spark.sparkContext());
            assertEquals(ROWS, Sparse24Spark.score(df, model.toString(), ScoreOptions.defaults().withBatchSize(4), m).count());
            long batches = 0;
            int first = 0;
            for (int size : sizes) {
                for (int start = 0; start < size; start += 4) {
                    int end = Math.min(size, start + 4);
                    boolean anyGood = first + end > 4;  // rows 0-3 (the first of partition 0) are refused
                    batches += anyGood ? 1 : 0;
                }
                first += size;
            }
            assertEquals(partitions, sizes.size());
            assertEquals(partitions, m.partitions(), m.toString());
            assertEquals(ROWS, m.rows(), m.toString());
            assertEquals(4, m.refused(), m.toString());
            assertEquals(batches, m.batches(), partitions + " partitions " + sizes + ": " + m);
            assertTrue(m.modelSeconds() > 0, m.toString());
            assertTrue(m.taskSeconds() >= m.modelSeconds() + m.inputSeconds() + m.outputSeconds() + m.openSeconds(), m.toString());
        }
    }

    @Test
    void modelLoadsOncePerJvmWhateverThePartitions() {
        ScoreOptions once = ScoreOptions.defaults().withBatchSize(7);  // a key no other test uses
        int before = ExecutorModels.loads();
        assertEquals(ROWS, Sparse24Spark.score(frame(DataTypes.BinaryType, pixelRows(), 4), model.toString(), once).count());
        assertEquals(before + 1, ExecutorModels.loads());
        assertEquals(ROWS, Sparse24Spark.score(frame(DataTypes.BinaryType, pixelRows(), 3), model.toString(), once).count());
        assertEquals(before + 1, ExecutorModels.loads());
    }

    @Test
    void modelComesFromSparkFilesAndHadoopPaths() {
        spark.sparkContext().addFile(model.toString());
        assertScoredLikeSession(Sparse24Spark.score(frame(DataTypes.BinaryType, pixelRows(), 2), "fixture.s24",
                ScoreOptions.defaults().withBatchSize(5)).collectAsList());
        assertScoredLikeSession(Sparse24Spark.score(frame(DataTypes.BinaryType, pixelRows(), 2), "s24test://" + model.toUri().getPath(),
                ScoreOptions.defaults().withBatchSize(6)).collectAsList());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sparse24Spark.score(frame(DataTypes.BinaryType, pixelRows(), 1),
                "s24test://" + dir.resolve("absent.s24").toUri().getPath())).getMessage().contains("not found"));
    }
}
