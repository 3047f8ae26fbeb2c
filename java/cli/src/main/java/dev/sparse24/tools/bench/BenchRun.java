package dev.sparse24.tools.bench;

import dev.sparse24.runtime.Device;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A whole bench run: machine facts and ceilings, every layer case, every model case, then the
 * three outputs ({@link BenchReport}). The cases run one after another in this process; within a
 * case the variants are interleaved ({@link Interleaved}).
 */
public final class BenchRun {
    /** Progress of the run, one step per case; the CLI draws a bar with it. */
    public interface Progress {
        /** The run has {@code steps} cases. */
        void begin(int steps);

        /** A case is about to run ({@code what}, e.g. "layer 4096x4096 batch 64, 1 thread"). */
        void step(String what);

        /** All cases ran. */
        void end();
    }

    /**
     * What to run.
     *
     * @param profile the cases and timing budgets
     * @param model   the model file, or null for the tutorial ({@link BenchModel#resolve})
     * @param threads the thread count (0: one thread, plus all cores where the profile asks)
     * @param device  CPU, or CUDA (models on the GPU; layers stay on the CPU)
     * @param out     the output directory
     * @param command the command line as the user typed it, for the report
     */
    public record Options(BenchProfile profile, Path model, int threads, Device device, Path out, String command) {
    }

    private BenchRun() {
    }

    /** Runs the bench and writes results.json, report.md and the charts into {@code options.out()}. */
    public static BenchReport.Written run(Options options, Progress progress) throws Exception {
        BenchProfile p = options.profile();
        String loadBefore = MachineInfo.loadAverage();
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MachineInfo machine = MachineInfo.read(ModelBench.onnxruntimeVersion());
        BenchModel model = BenchModel.resolve(options.model());
        Set<Integer> threadSet = new LinkedHashSet<>();
        if (options.threads() > 0) {
            threadSet.add(options.threads());
        } else {
            threadSet.add(1);
            if (p.allThreads()) {
                threadSet.add(machine.cores());
            }
        }
        List<Integer> threads = new ArrayList<>(threadSet);
        boolean layersHere = options.device() == Device.CPU;
        int steps = threads.size() + threads.size() * p.modelBatches().length
                + (layersHere ? threads.size() * p.layers().size() * p.layerBatches().length : 0);
        progress.begin(steps);
        List<Ceilings> ceilings = new ArrayList<>();
        for (int t : threads) {
            progress.step("ceilings, " + t + " thread" + (t > 1 ? "s" : ""));
            ceilings.add(Ceilings.measure(t, p.ceilingSize()));
        }
        List<LayerBench.Result> layers = new ArrayList<>();
        if (layersHere) {
            for (int ti = 0; ti < threads.size(); ti++) {
                int t = threads.get(ti);
                for (BenchProfile.LayerShape shape : p.layers()) {
                    for (int b : p.layerBatches()) {
                        progress.step("layer " + shape.name() + " batch " + b + ", " + t + " thread" + (t > 1 ? "s" : ""));
                        layers.add(LayerBench.run(shape, b, t, ceilings.get(ti), p.budget()));
                    }
                }
            }
        }
        List<ModelBench.Result> models = new ArrayList<>();
        int onnxBytes;
        try (ModelBench bench = new ModelBench(model.graph())) {
            onnxBytes = bench.onnxBytes();
            for (int t : threads) {
                for (int b : p.modelBatches()) {
                    progress.step("model " + model.name() + " batch " + b + ", " + t + " thread" + (t > 1 ? "s" : ""));
                    models.add(bench.run(b, t, options.device(), b == 1 ? p.latency() : p.budget()));
                }
            }
        }
        progress.end();
        BenchReport report = new BenchReport(options, started, machine, loadBefore, MachineInfo.loadAverage(), ceilings,
                model, onnxBytes, layers, models);
        return report.write(options.out());
    }
}
