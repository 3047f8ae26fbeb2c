package dev.sparse24.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sparse24.graph.Graph;
import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Soak run of the CPU runtime: many {@link InferenceSession#run} calls on one session, then many
 * sessions opened, run and closed, with the process's resident memory (VmRSS) sampled along the
 * way. A leak per run or per session shows as RSS that keeps growing after the warm-up.
 *
 * <p>Usage: {@code SoakRun OUT_JSON [RUNS=100000] [BATCH=1] [THREADS=1] [SESSIONS=2000]}; the model
 * is the tutorial's ({@link ModelInferenceBenchmark#tutorialGraph}, or {@code -Dsparse24.model}).
 * Exit status 1 when RSS grew by more than 5% (and 16 MiB) from the sample a fifth of the way in
 * (after warm-up) to the last, in either phase.
 */
public final class SoakRun {
    private SoakRun() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        int sessions = args.length > 4 ? Integer.parseInt(args[4]) : 2000;
        Graph graph = ModelInferenceBenchmark.tutorialGraph();
        SparseModel model = SparseModel.fromGraph(graph);
        SessionOptions options = SessionOptions.defaults().withDevice(Device.CPU).withThreads(threads)
                .withMaxBatch(batch);
        int sample = model.inputs().get(0).sampleSize();
        float[] x = new float[batch * sample];
        Random r = new Random(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        result.put("command", "bench/run-soak.sh " + String.join(" ", args));
        result.put("runs", runs);
        result.put("batch", batch);
        result.put("threads", threads);
        result.put("sessions", sessions);
        boolean ok = true;

        // Phase 1: one session, `runs` calls; samples every runs/50 calls.
        List<Map<String, Object>> samples = new ArrayList<>();
        float[] first = null;
        long t0 = System.nanoTime();
        try (InferenceSession s = model.newSession(options)) {
            result.put("session", s.description());
            int every = Math.max(1, runs / 50);
            for (int i = 1; i <= runs; i++) {
                float[] y = s.run(x, batch);
                if (first == null) {
                    first = y;
                } else if (i % every == 0 && !java.util.Arrays.equals(first, y)) {
                    throw new IllegalStateException("run " + i + " gave different outputs for the same input");
                }
                if (i % every == 0 || i == runs) {
                    samples.add(sample(i, t0));
                    System.out.printf("run %7d  rss %7.1f MiB  heap %6.1f MiB  %6.1f s%n", i,
                            (double) samples.get(samples.size() - 1).get("rss_mib"),
                            (double) samples.get(samples.size() - 1).get("heap_mib"), (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        result.put("run_samples", samples);
        ok &= report("runs", samples, result);

        // Phase 2: `sessions` sessions, each opened, run 5 times and closed.
        List<Map<String, Object>> sessionSamples = new ArrayList<>();
        t0 = System.nanoTime();
        int every = Math.max(1, sessions / 25);
        for (int i = 1; i <= sessions; i++) {
            try (InferenceSession s = model.newSession(options)) {
                for (int k = 0; k < 5; k++) {
                    s.run(x, batch);
                }
            }
            if (i % every == 0 || i == sessions) {
                sessionSamples.add(sample(i, t0));
                System.out.printf("session %5d  rss %7.1f MiB%n", i,
                        (double) sessionSamples.get(sessionSamples.size() - 1).get("rss_mib"));
            }
        }
        result.put("session_samples", sessionSamples);
        ok &= report("sessions", sessionSamples, result);
        result.put("passed", ok);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), result);
        System.out.println((ok ? "PASS" : "FAIL") + ": wrote " + out);
        System.exit(ok ? 0 : 1);
    }

    /**
     * Growth from the sample a fifth of the way in (after warm-up: JIT, scratch buffers, thread
     * pools, and the heap grown to its working size under -Xmx) to the last.
     */
    private static boolean report(String phase, List<Map<String, Object>> samples, Map<String, Object> result) {
        double from = (double) samples.get(samples.size() / 5).get("rss_mib");
        double max = 0;
        for (Map<String, Object> s : samples) {
            max = Math.max(max, (double) s.get("rss_mib"));
        }
        double last = (double) samples.get(samples.size() - 1).get("rss_mib");
        double growth = last - from;
        boolean ok = growth <= Math.max(16, 0.05 * from);
        System.out.printf("%s: RSS %.1f MiB after warm-up, %.1f MiB at the end (%+.1f MiB), peak %.1f MiB: %s%n",
                phase, from, last, growth, max, ok ? "no growth beyond noise" : "GROWTH");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rss_mib_after_warmup", from);
        m.put("rss_mib_end", last);
        m.put("rss_mib_peak", max);
        m.put("growth_mib", growth);
        m.put("ok", ok);
        result.put(phase + "_summary", m);
        return ok;
    }

    private static Map<String, Object> sample(int i, long t0) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("i", i);
        m.put("seconds", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
        m.put("rss_mib", rssMiB());
        Runtime rt = Runtime.getRuntime();
        m.put("heap_mib", Math.round((rt.totalMemory() - rt.freeMemory()) / 1048576.0 * 10) / 10.0);
        return m;
    }

    /** Resident set size from /proc/self/status (Linux). */
    static double rssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
