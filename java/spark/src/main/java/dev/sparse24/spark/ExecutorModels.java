package dev.sparse24.spark;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sessions of one JVM (an executor, or the driver in local mode): a model is loaded and its
 * session opened once per model path and session options, shared by every task that runs there
 * at the same time or later ({@link InferenceSession#run} is thread-safe), and closed by a JVM
 * shutdown hook - executors do not tell tasks when they go away.
 */
final class ExecutorModels {
    /** What a session is opened for: the same key gets the same session. */
    record Key(String modelPath, Device device, int threads, int maxBatch) implements java.io.Serializable {
    }

    private static final Map<Key, InferenceSession> SESSIONS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "sparse24-spark-close-sessions"));
    }

    private ExecutorModels() {
    }

    /** The session for {@code key}, loading the model and opening it on the first call in this JVM. */
    static InferenceSession session(Key key) {
        return SESSIONS.computeIfAbsent(key, ExecutorModels::open);
    }

    private static InferenceSession open(Key key) {
        Path file = ModelSource.localFile(key.modelPath());
        try {
            SparseModel model = SparseModel.load(file);
            InferenceSession s = model.newSession(SessionOptions.defaults().withDevice(key.device())
                    .withThreads(key.threads()).withMaxBatch(key.maxBatch()));
            LOADS.incrementAndGet();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("model " + key.modelPath() + ": " + e.getMessage(), e);
        } catch (ModelFormatException e) {
            throw new IllegalArgumentException("model " + key.modelPath() + ": " + e.getMessage(), e);
        }
    }

    /** Sessions opened in this JVM so far (tests check that a model is loaded once). */
    static int loads() {
        return LOADS.get();
    }

    /** Closes every session (each waits for its runs in flight) and forgets them. */
    static void closeAll() {
        for (Key k : SESSIONS.keySet()) {
            InferenceSession s = SESSIONS.remove(k);
            if (s != null) {
                s.close();
            }
        }
    }
}
