package dev.sparse24.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.WeightSparsityCheck;
import dev.sparse24.graph.Graph;
import dev.sparse24.sparse.NmPattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 check-sparsity FILE [--m-by-n 2,4] [--json]}: TFMOT's
 * {@code check_sparsity_m_by_n} for .tflite and .s24 files, as an aligned table with the count
 * of violating groups. Exit 0 when every prunable tensor holds the pattern, 1 when one does
 * not, 2 on usage errors or an unreadable file.
 */
@Command(name = "check-sparsity", mixinStandardHelpOptions = true,
        description = {"Check that the weights of a .tflite or .s24 model hold an m:n pattern along their last "
                + "dimension (as TFMOT's check_sparsity_m_by_n).",
                "Exit 0: every prunable tensor passes; 1: one fails; 2: usage error or unreadable file."})
public final class CheckSparsityCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "A .tflite or .s24 model.")
    Path file;

    @Option(names = "--m-by-n", defaultValue = "2,4",
            description = "The pattern: m zeros in every n consecutive values (default: ${DEFAULT-VALUE}).")
    String mByN;

    @Option(names = "--json", description = "Print JSON instead of the table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, ModelFormatException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        NmPattern pattern;
        try {
            pattern = NmPattern.parse(mByN);
        } catch (IllegalArgumentException e) {
            err.println("check-sparsity: --m-by-n: " + e.getMessage());
            return 2;
        }
        Graph graph = CommandFiles.readModel(file);
        WeightSparsityCheck.Result result = WeightSparsityCheck.check(graph, pattern);
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(result.toMap()));
        } else {
            out.println(file + ": " + pattern + " check");
            out.print(result.toText());
        }
        out.flush();
        return result.passes() ? 0 : 1;
    }
}
