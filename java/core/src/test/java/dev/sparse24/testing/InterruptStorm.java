package dev.sparse24.testing;

import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Interrupts and close() racing runs: {@code callers} threads run {@code model} on one session
 * while a chaos thread interrupts them at random moments and, one time in 40, closes the session
 * under them and opens a new one. Every result is compared bit for bit with the first session's
 * result for the same input computed alone before the storm; an interrupted run must throw
 * {@link CancellationException} with the interrupt status still set, a run on a closed session
 * {@link IllegalStateException}. A run that returned while its workers still wrote into its
 * workspace shows as a mismatch later; a close that freed memory under a worker as a JVM crash.
 *
 * <p>One engine for the bounded CI test (InferenceSessionInterruptTest) and the long bench run
 * ({@code dev.sparse24.bench.InterruptStress}); no JUnit here, so the bench jar can run it.
 */
public final class InterruptStorm {
    private InterruptStorm() {
    }

    /** What a storm did. {@code unexpected} holds the first failures that were none of the above. */
    public record Figures(double seconds, long ok, long cancelled, long refused, long mismatches, long interrupts,
                          long closes, long unexpectedCount, List<Throwable> unexpected) {
        /** No mismatch and nothing unexpected. */
        public boolean pass() {
            return mismatches == 0 && unexpectedCount == 0;
        }

        /** The figures in one line. */
        public String line() {
            return String.format(java.util.Locale.ROOT, "%.0f s: runs ok %d, cancelled %d, refused after close %d,"
                            + " mismatches %d, unexpected %d, interrupts %d, closes %d", seconds, ok, cancelled, refused,
                    mismatches, unexpectedCount, interrupts, closes);
        }
    }

    /**
     * Runs the storm for {@code nanos}.
     *
     * @param inputs   one input per entry of {@code batches}
     * @param progress called about every 30 s with the figures so far (may be null)
     */
    public static Figures run(SparseModel model, SessionOptions options, float[][] inputs, int[] batches,
                              int callerCount, long nanos, Consumer<Figures> progress) throws InterruptedException {
        AtomicReference<InferenceSession> current = new AtomicReference<>(model.newSession(options));
        float[][] expected = new float[batches.length][];
        for (int i = 0; i < batches.length; i++) {
            expected[i] = current.get().run(inputs[i], batches[i]);
        }
        AtomicLong ok = new AtomicLong();
        AtomicLong cancelled = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        AtomicLong unexpectedCount = new AtomicLong();
        List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
        Consumer<Throwable> report = e -> {
            if (unexpectedCount.incrementAndGet() <= 5) {
                unexpected.add(e);
            }
        };
        long start = System.nanoTime();
        long end = start + nanos;
        List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < callerCount; c++) {
            int seed = c;
            Thread t = new Thread(() -> {
                Random rc = new Random(seed);
                while (System.nanoTime() < end) {
                    int i = rc.nextInt(batches.length);
                    try {
                        float[] got = current.get().run(inputs[i], batches[i]);
                        (Arrays.equals(expected[i], got) ? ok : mismatches).incrementAndGet();
                    } catch (CancellationException e) {
                        cancelled.incrementAndGet();
                        if (!Thread.currentThread().isInterrupted() || !(e.getCause() instanceof InterruptedException)) {
                            report.accept(new AssertionError("interrupt status lost or no cause", e));
                        }
                    } catch (IllegalStateException e) {
                        if (e.getMessage() != null && e.getMessage().contains("closed")) {
                            refused.incrementAndGet();
                        } else {
                            report.accept(e);
                        }
                    } catch (RuntimeException | Error e) {
                        report.accept(e);
                    }
                    Thread.interrupted(); // an interrupt that landed outside run() is spent here
                }
            }, "storm-caller-" + c);
            callers.add(t);
            t.start();
        }
        Random chaos = new Random(99);
        long interrupts = 0;
        long closes = 0;
        long nextReport = start + 30_000_000_000L;
        while (System.nanoTime() < end) {
            Thread.sleep(0, chaos.nextInt(1_000_000));
            callers.get(chaos.nextInt(callerCount)).interrupt();
            interrupts++;
            if (chaos.nextInt(40) == 0) {
                // A close racing runs in flight (some of them just interrupted).
                current.getAndSet(model.newSession(options)).close();
                closes++;
            }
            if (progress != null && System.nanoTime() > nextReport) {
                nextReport += 30_000_000_000L;
                progress.accept(new Figures((System.nanoTime() - start) / 1e9, ok.get(), cancelled.get(), refused.get(),
                        mismatches.get(), interrupts, closes, unexpectedCount.get(), List.copyOf(unexpected)));
            }
        }
        for (Thread t : callers) {
            t.join(60_000);
            if (t.isAlive()) {
                report.accept(new AssertionError(t.getName() + " is stuck"));
            }
        }
        current.get().close();
        return new Figures((System.nanoTime() - start) / 1e9, ok.get(), cancelled.get(), refused.get(),
                mismatches.get(), interrupts, closes, unexpectedCount.get(), List.copyOf(unexpected));
    }
}
