package dev.sparse24.runtime.spi;

import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;

/**
 * A device backend outside the core library (e.g. {@code sparse24-cuda}), found with
 * {@link java.util.ServiceLoader}: an implementation is listed in
 * {@code META-INF/services/dev.sparse24.runtime.spi.BackendProvider} of its jar. The core thus
 * runs on the CPU without the backend's dependencies, and uses the backend whenever its jar is
 * on the class path.
 */
public interface BackendProvider {
    /** The device this backend runs on (not {@link Device#AUTO} or {@link Device#CPU}). */
    Device device();

    /** A short name for descriptions and logs, e.g. {@code "CUDA"} or {@code "CUDA (host simulation)"}. */
    String name();

    /**
     * Whether {@link #open} can work here for these options (libraries load, a device of the
     * right kind exists). Never throws; cheap after the first call.
     */
    Availability probe(SessionOptions options);

    /**
     * Compiles {@code model} for the device (weights uploaded once).
     *
     * @throws dev.sparse24.runtime.BackendUnavailableException when the device cannot be used
     *         (not available, out of device memory, an operator the backend does not run)
     */
    Executor open(SparseModel model, SessionOptions options);
}
