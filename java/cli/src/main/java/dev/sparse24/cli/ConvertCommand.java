package dev.sparse24.cli;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.onnx.OnnxExportException;
import dev.sparse24.format.onnx.OnnxWriter;
import dev.sparse24.graph.Graph;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 convert IN OUT}: reads a .tflite (or .s24) model and writes it as .s24, the
 * weights that hold 2:4 along their last dimension compressed - or, when OUT ends in
 * {@code .onnx}, as ONNX (opset 17, 2:4 weights dense with their zeros). Exit 0 on success, 2 on
 * an unreadable input or a model ONNX export refuses.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a .tflite (or .s24) model to .s24, compressing 2:4 weights,",
                "or to ONNX (opset 17) when OUT ends in .onnx."})
public final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "The input model (.tflite or .s24).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "The file to write: .s24, or .onnx for ONNX.")
    Path outFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, ModelFormatException {
        PrintWriter out = spec.commandLine().getOut();
        CommandFiles.requireWritableFile(outFile, "OUT");
        Graph g = CommandFiles.readModel(in);
        try {
            ModelFiles.requireDistinct(in, outFile);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        long a = Files.size(in);
        Path parent = outFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (outFile.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            try {
                OnnxWriter.write(g, outFile);
            } catch (OnnxExportException e) {
                throw new UserError(e.getMessage());
            }
            long b = Files.size(outFile);
            out.printf(Locale.ROOT, "%s (%,d bytes) -> %s (%,d bytes, ONNX opset %d; %d 2:4 weight tensors stored dense"
                    + " with their zeros)%n", in, a, outFile, b, OnnxWriter.OPSET_VERSION, g.compressedTensors().size());
            out.flush();
            return 0;
        }
        ModelFiles.writeS24(g, outFile);
        long b = Files.size(outFile);
        out.printf(Locale.ROOT, "%s (%,d bytes) -> %s (%,d bytes, %.3fx); %d of %d weight tensors 2:4-compressed%n",
                in, a, outFile, b, (double) b / a, g.compressedTensors().size(), countWeights(g));
        out.flush();
        return 0;
    }

    private static long countWeights(Graph g) {
        return g.tensors().stream().filter(t -> (t.isCompressed() || t.denseValues() != null) && t.rank() >= 2).count();
    }
}
