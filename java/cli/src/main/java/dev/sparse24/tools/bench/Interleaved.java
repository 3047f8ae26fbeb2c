package dev.sparse24.tools.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Times several variants of one piece of work in one process, interleaved: warm-up runs of
 * each, then rounds of A, B, C, A, B, C ... so that every variant sees the same machine state
 * (turbo, cache, another tenant's load) in turn, and the ratios between them are fair even
 * when absolute times drift. Each run is timed alone with {@link System#nanoTime()}.
 */
final class Interleaved {
    /** One variant's work: a single call (a layer's GEMM, a model's batch). */
    @FunctionalInterface
    interface Work {
        void run() throws Exception;
    }

    /**
     * How long to measure.
     *
     * @param warmupMs  warm-up time per variant (JIT, caches, thread pools), at least {@code minWarmup} runs
     * @param minWarmup fewest warm-up runs per variant
     * @param budgetMs  measuring time per variant; the round count follows from the warm-up's times
     * @param minRuns   fewest timed runs per variant
     * @param maxRuns   most timed runs per variant
     */
    record Budget(double warmupMs, int minWarmup, double budgetMs, int minRuns, int maxRuns) {
    }

    /**
     * What one variant measured, in milliseconds.
     *
     * @param median the median run
     * @param p99    the 99th percentile (nearest rank; the maximum below 100 runs)
     * @param min    the fastest run
     * @param max    the slowest run
     * @param runs   timed runs
     */
    record Stats(double median, double p99, double min, double max, int runs) {
        /** (max - min) / median: how much the runs spread. */
        double spread() {
            return (max - min) / median;
        }

        static Stats of(double[] ms) {
            double[] s = ms.clone();
            Arrays.sort(s);
            int n = s.length;
            double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
            int rank = (int) Math.ceil(0.99 * n) - 1;
            return new Stats(median, s[Math.max(rank, 0)], s[0], s[n - 1], n);
        }
    }

    private Interleaved() {
    }

    /** Measures {@code variants} interleaved under {@code budget}; one {@link Stats} per variant, in order. */
    static Stats[] measure(List<Work> variants, Budget budget) throws Exception {
        int k = variants.size();
        double[] warm = new double[k];
        int[] warmRuns = new int[k];
        long warmStart = System.nanoTime();
        // Warm up interleaved too, until every variant has its runs and its share of time.
        while (true) {
            boolean done = true;
            for (int i = 0; i < k; i++) {
                if (warmRuns[i] < budget.minWarmup() || warm[i] < budget.warmupMs()) {
                    long t0 = System.nanoTime();
                    variants.get(i).run();
                    warm[i] += (System.nanoTime() - t0) / 1e6;
                    warmRuns[i]++;
                    done = false;
                }
            }
            if (done || (System.nanoTime() - warmStart) / 1e6 > 4 * k * Math.max(budget.warmupMs(), 1)
                    && allAtLeast(warmRuns, budget.minWarmup())) {
                break;
            }
        }
        double slowest = 0;
        for (int i = 0; i < k; i++) {
            slowest = Math.max(slowest, warm[i] / warmRuns[i]);
        }
        int rounds = (int) Math.max(budget.minRuns(), Math.min(budget.maxRuns(), budget.budgetMs() / slowest));
        double[][] ms = new double[k][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < k; i++) {
                long t0 = System.nanoTime();
                variants.get(i).run();
                ms[i][r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Stats[] out = new Stats[k];
        for (int i = 0; i < k; i++) {
            out[i] = Stats.of(ms[i]);
        }
        return out;
    }

    private static boolean allAtLeast(int[] v, int n) {
        for (int x : v) {
            if (x < n) {
                return false;
            }
        }
        return true;
    }
}
