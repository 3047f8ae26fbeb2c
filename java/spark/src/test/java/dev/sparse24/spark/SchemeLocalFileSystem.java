package dev.sparse24.spark;

import org.apache.hadoop.fs.RawLocalFileSystem;

import java.net.URI;

/**
 * The local file system under the scheme {@code s24test:}, so that a test can take the Hadoop
 * {@code FileSystem} path of {@link ModelSource} (what {@code hdfs://} or {@code s3a://} take on a
 * cluster) without a cluster.
 */
public final class SchemeLocalFileSystem extends RawLocalFileSystem {
    @Override
    public URI getUri() {
        return URI.create("s24test:///");
    }

    @Override
    public String getScheme() {
        return "s24test";
    }
}
