package dev.sparse24.spark;

import dev.sparse24.data.IdxArray;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * IDX images read on the driver as a DataFrame of {@code id} (long, the image's index),
 * {@code image} (binary, its bytes) and, with labels, {@code label} (int). The bytes travel as
 * one broadcast - sent once to each executor and kept there for every job on the frame - and
 * each partition cuts its rows out of it: the tasks themselves stay small (rows parallelized
 * from the driver would ride inside every task of every job, 4 MB per task for 10,000 MNIST
 * images in two partitions).
 */
final class IdxFrame {
    private IdxFrame() {
    }

    /**
     * The frame of {@code images} (and {@code labels}, null for none: one per image) in
     * {@code partitions} partitions of consecutive ids, as even as {@code spark.range} makes them.
     *
     * @throws IllegalArgumentException when {@code partitions < 1} or the labels do not match
     */
    static Dataset<Row> of(SparkSession spark, IdxArray images, int[] labels, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, given " + partitions);
        }
        int n = images.count();
        if (labels != null && labels.length != n) {
            throw new IllegalArgumentException(labels.length + " labels for " + n + " images");
        }
        StructType schema = new StructType().add("id", DataTypes.LongType, false).add("image", DataTypes.BinaryType, false);
        if (labels != null) {
            schema = schema.add("label", DataTypes.IntegerType, false);
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Rows rows = new Rows(sc.broadcast(images.data()), labels == null ? null : sc.broadcast(labels), images.itemSize());
        return spark.range(0, n, 1, partitions).mapPartitions(rows, Encoders.row(schema));
    }

    /** A partition's ids to their rows, cut from the broadcast bytes one at a time. */
    private record Rows(Broadcast<byte[]> pixels, Broadcast<int[]> labels, int size)
            implements MapPartitionsFunction<Long, Row> {
        @Override
        public Iterator<Row> call(Iterator<Long> ids) {
            byte[] data = pixels.value();
            int[] y = labels == null ? null : labels.value();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return ids.hasNext();
                }

                @Override
                public Row next() {
                    if (!ids.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    long id = ids.next();
                    int i = (int) id;
                    byte[] image = Arrays.copyOfRange(data, i * size, (i + 1) * size);
                    return y == null ? RowFactory.create(id, image) : RowFactory.create(id, image, y[i]);
                }
            };
        }
    }
}
