package dev.sparse24.train;

import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Keras-like progress output for {@code fit}: a bar per epoch with steps, ETA and running
 * metrics, then one summary line with the validation metrics.
 *
 * <p>On a terminal the bar redraws itself in place; when stderr is not a terminal (logs, CI)
 * it prints plain ASCII lines every few seconds instead of control characters.
 */
final class ProgressReporter {
    private final int verbose;
    private final PrintStream out;
    private final boolean terminal;
    private ProgressBar bar;

    ProgressReporter(int verbose, PrintStream out) {
        this.verbose = verbose;
        this.out = out;
        this.terminal = System.console() != null;
    }

    void beginEpoch(int epoch, int epochs, int steps) {
        if (verbose == 1) {
            out.printf(Locale.ROOT, "Epoch %d/%d%n", epoch + 1, epochs);
            ProgressBarBuilder b = new ProgressBarBuilder()
                    .setTaskName("train")
                    .setInitialMax(steps)
                    .continuousUpdate();
            if (terminal) {
                b.setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(200);
            } else {
                b.setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(5000)
                        .setConsumer(new DelegatingProgressBarConsumer(out::println, 110));
            }
            bar = b.build();
        }
    }

    void step(double loss, double accuracy) {
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f acc %.4f", loss, accuracy));
        }
    }

    void endEpoch(int epoch, int epochs, Map<String, Double> logs) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        if (verbose >= 1) {
            StringBuilder line = new StringBuilder();
            line.append(String.format(Locale.ROOT, "Epoch %d/%d - %.1fs", epoch + 1, epochs, logs.get("seconds")));
            for (Map.Entry<String, Double> e : logs.entrySet()) {
                if (!e.getKey().equals("seconds")) {
                    line.append(String.format(Locale.ROOT, " - %s: %.4f", e.getKey(), e.getValue()));
                }
            }
            out.println(line);
        }
    }
}
