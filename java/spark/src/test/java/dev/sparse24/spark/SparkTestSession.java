package dev.sparse24.spark;

import org.apache.spark.sql.SparkSession;

/** The tests' Spark: local[2], no UI, two shuffle partitions - small and fast. */
final class SparkTestSession {
    private SparkTestSession() {
    }

    /** A new local[2] session (stop it in the test class's {@code @AfterAll}). */
    static SparkSession start(String name) {
        return SparkSession.builder().appName(name).master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                // The Hadoop path test's file system (a local one under another scheme).
                .config("spark.hadoop.fs.s24test.impl", SchemeLocalFileSystem.class.getName())
                .config("spark.hadoop.fs.s24test.impl.disable.cache", "true")
                .getOrCreate();
    }
}
