package dev.sparse24.cli;

import dev.sparse24.runtime.Device;
import dev.sparse24.tools.bench.BenchMerge;
import dev.sparse24.tools.bench.BenchProfile;
import dev.sparse24.tools.bench.BenchReport;
import dev.sparse24.tools.bench.BenchRun;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 bench [--quick|--full] [--model FILE] [--threads T] [--device cpu|cuda] --out DIR}:
 * dense against 2:4 sparse (layers and a whole model), with ONNX Runtime Java on our ONNX export
 * of the model, in this process; writes {@code DIR/results.json}, {@code DIR/report.md} and the
 * PNG charts. A progress bar on a terminal, one line per case otherwise. {@code --merge a.json
 * b.json --out DIR} instead merges earlier results into one report ({@link BenchMerge}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark dense vs 2:4 sparse (layers and a model) and ONNX Runtime on the model's ONNX export;",
                "write <out>/results.json, <out>/report.md and PNG charts. --quick (default) takes under 3 minutes;",
                "--full covers every shape, batches 1..256, one thread and all."})
public final class BenchCommand implements Callable<Integer> {
    static final class Size {
        @Option(names = "--quick", description = "4096x4096 and the tutorial's dense1 and conv2 at batch 1, 64, 256, one thread,"
                + " and the model at batch 1, 16, 64, 256 (the default).")
        boolean quick;

        @Option(names = "--full", description = "Every shape, batches 1..256, one thread and all cores.")
        boolean full;

        // Seconds-long runs for tests of the outputs, not for figures.
        @Option(names = "--size", hidden = true)
        String size;
    }

    @CommandLine.ArgGroup(exclusive = true)
    Size size;

    @Option(names = "--model", paramLabel = "FILE",
            description = "A .s24 or .tflite model (default: out/tutorial/model.s24 when it exists, else the tutorial"
                    + " model untrained, said in the report).")
    Path model;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "T",
            description = "Threads for every case (default: 1, and all cores too with --full).")
    int threads;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, or cuda (the model on the GPU; layers and ONNX Runtime are then not run).")
    String device;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--merge", arity = "1..*", paramLabel = "RESULTS_JSON",
            description = "Instead of running: merge these results.json files (CPU runs, the GPU device check, other"
                    + " machines) into one report, results.json and charts in --out.")
    List<Path> merge;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (merge != null) {
            return merge(o);
        }
        BenchProfile profile = profile();
        if (threads < 0) {
            throw new UserError("--threads must be >= 1 (or 0 for the default), given " + threads);
        }
        Device dev;
        try {
            dev = Device.valueOf(device.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError("--device must be cpu or cuda, given " + device);
        }
        if (dev == Device.AUTO) {
            throw new UserError("--device must be cpu or cuda, given auto: a benchmark names its device");
        }
        if (model != null) {
            CommandFiles.requireReadableFile(model, "model");
        }
        CommandFiles.requireWritableDirectory(out, "--out");
        String command = "sparse24 " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        BenchRun.Options options = new BenchRun.Options(profile, model, threads, dev, out, command);
        o.println("sparse24 bench (" + profile.name() + "): results in " + out);
        o.flush();
        BenchReport.Written w;
        try {
            w = BenchRun.run(options, progress(o));
        } catch (dev.sparse24.format.onnx.OnnxExportException e) {
            throw new UserError(e.getMessage());
        }
        o.println("Wrote " + w.json() + ", " + w.report() + " and " + w.charts().size() + " charts");
        o.flush();
        return 0;
    }

    private int merge(PrintWriter o) throws Exception {
        if (size != null || model != null || threads != 0 || !device.equals("cpu")) {
            throw new UserError("--merge takes only --out: it runs nothing, so --quick/--full/--model/--threads/--device"
                    + " do not apply");
        }
        for (Path f : merge) {
            CommandFiles.requireReadableFile(f, "results file");
        }
        CommandFiles.requireWritableDirectory(out, "--out");
        String command = "sparse24 " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        BenchReport.Written w;
        try {
            w = BenchMerge.merge(merge, out, command);
        } catch (BenchMerge.BadResultsException e) {
            throw new UserError(e.getMessage());
        }
        o.println("Merged " + merge.size() + " results file(s): wrote " + w.json() + ", " + w.report() + " and "
                + w.charts().size() + " charts");
        o.flush();
        return 0;
    }

    private BenchProfile profile() {
        if (size != null && size.full) {
            return BenchProfile.full();
        }
        if (size != null && size.size != null) {
            if (!size.size.equals("tiny")) {
                throw new UserError("--size must be tiny, given " + size.size);
            }
            return BenchProfile.tiny();
        }
        return BenchProfile.quick();
    }

    /** A bar when a terminal is attached; otherwise one line per case (logs, CI). */
    private static BenchRun.Progress progress(PrintWriter o) {
        if (System.console() == null) {
            return new BenchRun.Progress() {
                private int step;
                private int steps;

                @Override
                public void begin(int n) {
                    steps = n;
                }

                @Override
                public void step(String what) {
                    o.printf(Locale.ROOT, "[%d/%d] %s%n", ++step, steps, what);
                    o.flush();
                }

                @Override
                public void end() {
                }
            };
        }
        return new BenchRun.Progress() {
            private ProgressBar bar;
            private boolean started;

            @Override
            public void begin(int steps) {
                bar = new ProgressBarBuilder().setTaskName("bench").setInitialMax(steps)
                        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(200).build();
            }

            @Override
            public void step(String what) {
                if (started) {
                    bar.step();   // the previous case is done
                }
                started = true;
                bar.setExtraMessage(" " + what);
            }

            @Override
            public void end() {
                bar.stepTo(bar.getMax());
                bar.close();
            }
        };
    }
}
