package dev.sparse24.bench;

import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The long version of InferenceSessionInterruptTest (core tests): CALLERS threads run the
 * tutorial model on one session (threads=4, maxBatch 8, batches 1-40 so that both the batch
 * chunks and the GEMM steps' own splits use the worker pool) while a chaos thread interrupts
 * them at random moments and, now and then, closes the session under them and opens a new one.
 * Every returned result is compared bit for bit with the same session's result computed alone
 * before the stress; an interrupted run must throw CancellationException with the interrupt
 * status still set, a run on a closed session IllegalStateException.
 *
 * <p>Usage: {@code InterruptStress [MINUTES=10] [CALLERS=3] [THREADS=4]}; prints figures every
 * 30 s and a final line; exit status 1 on any mismatch or unexpected exception (a crash ends the
 * JVM, which the script reports).
 */
public final class InterruptStress {
    static final int[] BATCHES = {1, 2, 5, 8, 16, 33, 40};

    private InterruptStress() {
    }

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        int callerCount = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        SparseModel model = SparseModel.fromGraph(ModelInferenceBenchmark.tutorialGraph());
        SessionOptions options = SessionOptions.defaults().withDevice(Device.CPU).withThreads(threads).withMaxBatch(8);
        int sample = model.inputs().get(0).sampleSize();
        Random r = new Random(11);
        float[][] inputs = new float[BATCHES.length][];
        float[][] expected = new float[BATCHES.length][];
        AtomicReference<InferenceSession> current = new AtomicReference<>(model.newSession(options));
        for (int i = 0; i < BATCHES.length; i++) {
            inputs[i] = new float[BATCHES[i] * sample];
            for (int j = 0; j < inputs[i].length; j++) {
                inputs[i][j] = r.nextFloat();
            }
            expected[i] = current.get().run(inputs[i], BATCHES[i]);
        }
        System.out.println("# " + current.get().description() + "; " + callerCount + " callers, "
                + minutes + " min");
        AtomicLong ok = new AtomicLong();
        AtomicLong cancelled = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        AtomicLong unexpected = new AtomicLong();
        long start = System.nanoTime();
        long end = start + (long) (minutes * 60e9);
        List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < callerCount; c++) {
            int seed = c;
            Thread t = new Thread(() -> {
                Random rc = new Random(seed);
                while (System.nanoTime() < end) {
                    int i = rc.nextInt(BATCHES.length);
                    try {
                        float[] got = current.get().run(inputs[i], BATCHES[i]);
                        (Arrays.equals(expected[i], got) ? ok : mismatches).incrementAndGet();
                    } catch (CancellationException e) {
                        cancelled.incrementAndGet();
                        if (!Thread.currentThread().isInterrupted() || !(e.getCause() instanceof InterruptedException)) {
                            report(unexpected, new AssertionError("interrupt status lost or no cause", e));
                        }
                    } catch (IllegalStateException e) {
                        if (e.getMessage() != null && e.getMessage().contains("closed")) {
                            refused.incrementAndGet();
                        } else {
                            report(unexpected, e);
                        }
                    } catch (RuntimeException | Error e) {
                        report(unexpected, e);
                    }
                    Thread.interrupted();
                }
            }, "stress-caller-" + c);
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
                current.getAndSet(model.newSession(options)).close();
                closes++;
            }
            if (System.nanoTime() > nextReport) {
                nextReport += 30_000_000_000L;
                System.out.printf("%6.0f s  runs ok %d  cancelled %d  refused %d  mismatches %d  unexpected %d"
                                + "  interrupts %d  closes %d%n", (System.nanoTime() - start) / 1e9, ok.get(),
                        cancelled.get(), refused.get(), mismatches.get(), unexpected.get(), interrupts, closes);
            }
        }
        for (Thread t : callers) {
            t.join();
        }
        current.get().close();
        boolean pass = mismatches.get() == 0 && unexpected.get() == 0;
        System.out.printf("%s: %.1f min, runs %d (ok %d, cancelled %d, refused after close %d), mismatches %d,"
                        + " unexpected %d, interrupts %d, closes %d, JVM alive%n", pass ? "PASS" : "FAIL",
                (System.nanoTime() - start) / 60e9, ok.get() + cancelled.get() + refused.get() + mismatches.get(),
                ok.get(), cancelled.get(), refused.get(), mismatches.get(), unexpected.get(), interrupts, closes);
        System.exit(pass ? 0 : 1);
    }

    private static void report(AtomicLong unexpected, Throwable e) {
        if (unexpected.incrementAndGet() <= 5) {
            e.printStackTrace();
        }
    }
}
