/**
 * Scale-out batch scoring on Apache Spark: {@link dev.sparse24.spark.Sparse24Spark#score} runs a
 * Sparse24 model over a DataFrame on every executor (one session per executor JVM, rows in
 * batches inside each partition, bad rows PERMISSIVE or FAILFAST),
 * {@link dev.sparse24.spark.ScoreMetrics} counts and times what its tasks did (rows, batches, time
 * in the model), and {@link dev.sparse24.spark.SparkScoreCommand} is the ready job behind
 * {@code sparse24 spark-score}.
 * Spark is a provided dependency of this module only.
 */
package dev.sparse24.spark;
