package dev.sparse24.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import scala.Tuple2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the local file behind a model path as {@link Sparse24Spark#score} takes it, on the driver
 * and on every executor:
 * <ol>
 *   <li>a URI with a scheme other than {@code file} ({@code hdfs://}, {@code s3a://},
 *       {@code abfs://}, ...): copied through Hadoop's {@link FileSystem} to a local temporary
 *       file (deleted when the JVM exits), with the {@code spark.hadoop.*} settings of the
 *       Spark configuration applied, as Spark's own readers do;</li>
 *   <li>a local path ({@code file:} URI or plain path) that exists on this machine;</li>
 *   <li>else a file shipped with {@code --files} / {@code SparkContext.addFile}, by its name
 *       ({@link SparkFiles#get}).</li>
 * </ol>
 * Anything else is an {@link IllegalArgumentException} naming every place looked at.
 */
final class ModelSource {
    private ModelSource() {
    }

    /** The local file to load for {@code modelPath} (see the class comment). */
    static Path localFile(String modelPath) {
        if (modelPath == null || modelPath.isBlank()) {
            throw new IllegalArgumentException("model path must not be empty");
        }
        URI uri = parse(modelPath);
        String scheme = uri == null ? null : uri.getScheme();
        if (scheme != null && scheme.length() > 1 && !scheme.equalsIgnoreCase("file")) {
            return copyFromHadoop(modelPath, uri);
        }
        List<String> tried = new ArrayList<>();
        Path local = scheme != null && scheme.equalsIgnoreCase("file") ? Path.of(uri) : Path.of(modelPath);
        if (Files.isRegularFile(local)) {
            return local;
        }
        tried.add("local file " + local.toAbsolutePath());
        if (!modelPath.contains("/") && SparkEnv.get() != null) {
            Path shipped = Path.of(SparkFiles.get(modelPath));
            if (Files.isRegularFile(shipped)) {
                return shipped;
            }
            tried.add("SparkFiles " + shipped);
        }
        throw new IllegalArgumentException("model " + modelPath + " not found: looked for the " + String.join(", the ", tried)
                + (modelPath.contains("/") ? "" : " (ship it with --files or SparkContext.addFile)")
                + "; a Hadoop path needs its scheme, e.g. hdfs://namenode/models/model.s24");
    }

    private static URI parse(String path) {
        try {
            return new URI(path);
        } catch (URISyntaxException e) {
            return null;  // a local path with characters a URI does not allow (spaces): used as it is
        }
    }

    private static Path copyFromHadoop(String modelPath, URI uri) {
        Configuration conf = new Configuration();
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            for (Tuple2<String, String> kv : env.conf().getAll()) {
                if (kv._1().startsWith("spark.hadoop.")) {
                    conf.set(kv._1().substring("spark.hadoop.".length()), kv._2());
                }
            }
        }
        org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(uri);
        try {
            FileSystem fs = src.getFileSystem(conf);
            if (!fs.isFile(src)) {
                throw new IllegalArgumentException("model " + modelPath + " not found (or not a file) on " + fs.getUri());
            }
            String name = src.getName();
            String suffix = name.contains(".") ? name.substring(name.lastIndexOf('.')) : ".s24";
            Path local = Files.createTempFile("sparse24-model-", suffix);
            local.toFile().deleteOnExit();
            // Raw local file system: no .crc file beside the copy.
            fs.copyToLocalFile(false, src, new org.apache.hadoop.fs.Path(local.toUri()), true);
            return local;
        } catch (IOException e) {
            throw new UncheckedIOException("model " + modelPath + ": cannot copy it from Hadoop: " + e.getMessage(), e);
        }
    }
}
