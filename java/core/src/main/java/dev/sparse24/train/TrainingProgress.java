package dev.sparse24.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Where {@link Trainer#fit} reports its progress: the start of each epoch, every step's running
 * metrics, and each epoch's summary. The core library prints plain lines (what Keras prints when
 * its output is not a terminal: one line per epoch); the CLI plugs in a redrawing progress bar
 * for terminals ({@link Trainer#withProgress}).
 */
public interface TrainingProgress {
    /** An epoch of {@code steps} gradient steps begins ({@code epoch} counts from 0). */
    void beginEpoch(int epoch, int epochs, int steps);

    /** A step ended; {@code loss} and {@code accuracy} are the epoch's running means so far. */
    void step(double loss, double accuracy);

    /** An epoch ended; {@code logs} holds its metrics (and "seconds", its wall time). */
    void endEpoch(int epoch, int epochs, Map<String, Double> logs);

    /** Reports nothing. */
    static TrainingProgress silent() {
        return new TrainingProgress() {
            @Override
            public void beginEpoch(int epoch, int epochs, int steps) {
            }

            @Override
            public void step(double loss, double accuracy) {
            }

            @Override
            public void endEpoch(int epoch, int epochs, Map<String, Double> logs) {
            }
        };
    }

    /** One line per epoch on {@code out}: {@code Epoch 1/2 - 118.2s - loss: 0.2110 - ...}. */
    static TrainingProgress epochLines(PrintStream out) {
        return new TrainingProgress() {
            @Override
            public void beginEpoch(int epoch, int epochs, int steps) {
            }

            @Override
            public void step(double loss, double accuracy) {
            }

            @Override
            public void endEpoch(int epoch, int epochs, Map<String, Double> logs) {
                out.println(epochSummary(epoch, epochs, logs));
            }
        };
    }

    /** The one-line summary of an epoch, as {@link #epochLines} prints it. */
    static String epochSummary(int epoch, int epochs, Map<String, Double> logs) {
        StringBuilder line = new StringBuilder();
        line.append(String.format(Locale.ROOT, "Epoch %d/%d - %.1fs", epoch + 1, epochs,
                logs.getOrDefault("seconds", Double.NaN)));
        for (Map.Entry<String, Double> e : logs.entrySet()) {
            if (!e.getKey().equals("seconds")) {
                line.append(String.format(Locale.ROOT, " - %s: %.4f", e.getKey(), e.getValue()));
            }
        }
        return line.toString();
    }
}
