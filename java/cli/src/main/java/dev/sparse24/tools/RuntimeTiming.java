package dev.sparse24.tools;

import dev.sparse24.runtime.InferenceSession;

import java.util.Arrays;

/**
 * A quick wall-clock look at a session, as the CLI prints it: batch-1 latency and throughput at
 * a batch size. Indicative only; the project's performance figures come from JMH in bench/.
 *
 * @param latencyMs       median batch-1 latency
 * @param latencyRuns     runs the median is over
 * @param imagesPerSecond throughput over all items at {@code batch}
 * @param batch           the throughput batch size
 */
public record RuntimeTiming(double latencyMs, int latencyRuns, double imagesPerSecond, int batch) {
    /**
     * Times {@code session} on {@code input}: batch 1 over up to 200 items after a warm-up
     * (median, robust to GC and noise), then all items in batches of {@code batch} after one
     * warm-up batch.
     */
    public static RuntimeTiming measure(InferenceSession session, ModelInput input, int batch) {
        int items = input.items();
        int n = Math.min(items, 200);
        for (int i = 0; i < Math.min(n, 20); i++) {
            input.run(session, i, 1);
        }
        long[] times = new long[n];
        for (int i = 0; i < n; i++) {
            ModelInput one = input.range(i, 1);  // copied outside the timed run
            long t0 = System.nanoTime();
            one.run(session, 0, 1);
            times[i] = System.nanoTime() - t0;
        }
        Arrays.sort(times);
        int b = Math.min(batch, items);
        input.run(session, 0, b);
        long t0 = System.nanoTime();
        int done = 0;
        while (done < items) {
            int k = Math.min(b, items - done);
            input.run(session, done, k);
            done += k;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new RuntimeTiming(times[n / 2] / 1e6, n, items / seconds, b);
    }
}
