package dev.sparse24.runtime.cpu;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Wall time per plan step summed over all passes of one session (SessionOptions.withProfiling):
 * what a user tuning a model asks first - which layer takes the time. Logged at close.
 */
final class StepProfile {
    private final List<String> names;
    private final AtomicLongArray nanos;

    StepProfile(List<String> names) {
        this.names = List.copyOf(names);
        this.nanos = new AtomicLongArray(names.size());
    }

    void add(int step, long elapsedNanos) {
        nanos.addAndGet(step, elapsedNanos);
    }

    /** Milliseconds spent in {@code step} so far. */
    double millis(int step) {
        return nanos.get(step) / 1e6;
    }

    /** One line per step: index, name, milliseconds. */
    String report() {
        StringBuilder b = new StringBuilder("time per step (SessionOptions.withProfiling):");
        for (int i = 0; i < names.size(); i++) {
            b.append(String.format(Locale.ROOT, "%n  %2d %-50s %10.3f ms", i, names.get(i), millis(i)));
        }
        return b.toString();
    }
}
