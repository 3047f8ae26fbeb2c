package dev.sparse24.cli;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.graph.Graph;
import dev.sparse24.tools.MaskPictures;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 visualize FILE [--layer NAME] --out DIR}: one PNG per pruned weight, the
 * tutorial's picture of its 24x24 corner (non-zero / zero, separators every 4 columns). The
 * weight is shown as the matrix {@code [out, rest]} (a conv filter {@code [out, h, w, in]} as
 * {@code [out, h*w*in]}), whose rows hold the 1x4 groups. Exit 0, or 2 on a usage error or an
 * unreadable file.
 */
@Command(name = "visualize", mixinStandardHelpOptions = true,
        description = "Draw the 24x24 corner of each pruned weight (non-zero/zero, separators every 4 columns) as PNG.")
public final class VisualizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "A .tflite or .s24 model.")
    Path file;

    @Option(names = "--layer", paramLabel = "NAME",
            description = "Only the weight of this layer or tensor (name or part of it); default: every pruned weight.")
    String layer;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the PNG files.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, ModelFormatException {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CommandFiles.requireWritableDirectory(out, "--out");
        Graph g = CommandFiles.readModel(file);
        List<MaskPictures.Picked> picked = MaskPictures.pick(g, layer);
        if (picked.isEmpty()) {
            err.println("visualize: " + (layer != null ? "no weight matches --layer " + layer
                    : "no pruned weight in " + file) + " (weights: " + MaskPictures.weightNames(g) + ")");
            return 2;
        }
        Files.createDirectories(out);
        for (Path p : MaskPictures.draw(picked, out)) {
            o.println("Wrote " + p);
        }
        o.flush();
        return 0;
    }
}
