package dev.sparse24.cli;

import dev.sparse24.format.onnx.OnnxExportException;
import dev.sparse24.format.onnx.OnnxWriter;
import dev.sparse24.graph.Graph;
import dev.sparse24.tools.ModelExport;
import dev.sparse24.tools.TutorialRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 export [MODEL] --out DIR [--onnx]}: writes {@code DIR/model.s24} and
 * {@code DIR/model.tflite} and prints both sizes and their ratio. With MODEL (.s24 or .tflite)
 * the model is re-exported in both formats; without it the tutorial model is trained first
 * (the tutorial command's options apply), which exports the same two files. {@code --onnx}
 * also writes {@code DIR/model.onnx} (opset 17, 2:4 weights dense with their zeros).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write <out>/model.s24 (2:4 weights compressed) and <out>/model.tflite; print sizes and ratio.",
                "With --onnx, also <out>/model.onnx (ONNX opset 17; 2:4 weights stored dense with their zeros).",
                "Without MODEL, trains the tutorial model first (see 'sparse24 tutorial --help' for its options)."})
public final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "An existing .s24 or .tflite model.")
    Path model;

    @Option(names = "--out", defaultValue = "out/export", paramLabel = "DIR",
            description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--onnx", description = "Also write <out>/model.onnx.")
    boolean onnx;

    @Option(names = "--epochs", defaultValue = "2", description = "Tutorial training epochs, without MODEL (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--limit", defaultValue = "0", description = "Tutorial training: first N images only (0: all).")
    int limit;

    @Option(names = "--data", description = "Directory holding the MNIST files, without MODEL.")
    Path data;

    @Option(names = "--seed", defaultValue = "1", description = "Tutorial training seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        CommandFiles.requireWritableDirectory(out, "--out");
        if (model == null) {
            TutorialRun.Options options = new TutorialRun.Options(epochs, 128, seed, data, out, limit, false, 0, 0.1,
                    true, dev.sparse24.runtime.Device.CPU);
            if (options.problem() != null) {
                throw new UserError(options.problem());
            }
            int status = new TutorialRun(options, null).run();
            if (status == 0 && onnx) {
                writeOnnx(CommandFiles.readModel(out.resolve("model.s24")), o);
            }
            return status;
        }
        Graph g = CommandFiles.readModel(model);
        if (onnx) {
            // Refuse an unexportable model before writing anything.
            requireExportable(g);
        }
        ModelExport.Exported e = ModelExport.writeBoth(g, out);
        o.println("Wrote " + e.s24() + " and " + e.tflite());
        o.println(e.describe());
        if (onnx) {
            writeOnnx(g, o);
        }
        o.flush();
        return 0;
    }

    private static void requireExportable(Graph g) {
        try {
            OnnxWriter.toModel(g);
        } catch (OnnxExportException e) {
            throw new UserError(e.getMessage());
        }
    }

    private void writeOnnx(Graph g, PrintWriter o) throws java.io.IOException {
        Path file = out.resolve("model.onnx");
        try {
            long bytes = ModelExport.writeOnnx(g, file);
            o.printf(java.util.Locale.ROOT, "Wrote %s (%,d bytes, ONNX opset %d)%n", file, bytes, OnnxWriter.OPSET_VERSION);
        } catch (OnnxExportException e) {
            throw new UserError(e.getMessage());
        }
        o.flush();
    }
}
