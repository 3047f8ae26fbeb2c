package dev.sparse24.cli;

import dev.sparse24.train.TrainingProgress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Keras-like training progress for a terminal: a bar per epoch that redraws itself in place
 * (steps, ETA, running loss and accuracy), then the epoch's summary line. Off a terminal (a log
 * file, CI) {@link #forOutput} gives the core library's one line per epoch instead, as Keras does.
 */
final class TerminalProgress implements TrainingProgress {
    private final PrintStream out;
    private ProgressBar bar;

    private TerminalProgress(PrintStream out) {
        this.out = out;
    }

    /** A redrawing bar when a console is attached, else one line per epoch. */
    static TrainingProgress forOutput(PrintStream out) {
        return System.console() != null ? new TerminalProgress(out) : TrainingProgress.epochLines(out);
    }

    @Override
    public void beginEpoch(int epoch, int epochs, int steps) {
        out.printf(Locale.ROOT, "Epoch %d/%d%n", epoch + 1, epochs);
        bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(steps).continuousUpdate()
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(200).build();
    }

    @Override
    public void step(double loss, double accuracy) {
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f acc %.4f", loss, accuracy));
        }
    }

    @Override
    public void endEpoch(int epoch, int epochs, Map<String, Double> logs) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        out.println(TrainingProgress.epochSummary(epoch, epochs, logs));
    }
}
