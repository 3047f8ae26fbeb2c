package dev.sparse24.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What {@link Trainer#fit} returns: per epoch the metrics ({@code loss}, {@code accuracy},
 * {@code val_loss}, {@code val_accuracy}) and the epoch's wall time in seconds ({@code seconds}).
 */
public final class History {
    private final List<Map<String, Double>> epochs = new ArrayList<>();

    void add(Map<String, Double> logs) {
        epochs.add(Collections.unmodifiableMap(logs));
    }

    /** The per-epoch logs, in order. */
    public List<Map<String, Double>> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** The last epoch's value of {@code metric}, or NaN when absent. */
    public double last(String metric) {
        if (epochs.isEmpty()) {
            return Double.NaN;
        }
        return epochs.get(epochs.size() - 1).getOrDefault(metric, Double.NaN);
    }

    /** Sum of the epochs' wall times in seconds (training plus validation). */
    public double totalSeconds() {
        return epochs.stream().mapToDouble(e -> e.getOrDefault("seconds", 0.0)).sum();
    }
}
