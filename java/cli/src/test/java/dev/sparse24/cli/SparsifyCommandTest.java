package dev.sparse24.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.WeightSparsityCheck;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.models.GraphExporter;
import dev.sparse24.nn.Activation;
import dev.sparse24.nn.Conv2D;
import dev.sparse24.nn.Dense;
import dev.sparse24.nn.Flatten;
import dev.sparse24.nn.MaxPooling2D;
import dev.sparse24.nn.Sequential;
import dev.sparse24.sparse.NmPattern;
import dev.sparse24.tensor.Shape;
import dev.sparse24.testing.SyntheticIdx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sparse24 sparsify} end to end on a tiny model and data set (one step), and its refusals. */
class SparsifyCommandTest {
    @Test
    void tinyModelIsSparsifiedFineTunedAndExported(@TempDir Path dir) throws Exception {
        Path data = SyntheticIdx.write(dir.resolve("data"), "train", "t10k", 64, 32, new int[]{8, 8}, 5, 1);
        Sequential dense = new Sequential("tiny",
                new Conv2D(8, 3, Padding.SAME, Activation.RELU),
                new MaxPooling2D(2, Padding.SAME),
                new Conv2D(8, 3, Padding.SAME, Activation.RELU),
                new Flatten(),
                new Dense(16, Activation.RELU),
                new Dense(5)).build(Shape.of(8, 8, 1), 3);
        Path model = dir.resolve("tiny.tflite");
        ModelFiles.writeTflite(GraphExporter.export(dense, Map.of()), model);
        Path out = dir.resolve("out");
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FormatCommandsTest.Run run;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            run = FormatCommandsTest.run("sparsify", model.toString(), "--data", data.toString(), "--epochs", "1",
                    "--batch-size", "64", "--threads", "1", "--quiet", "--out", out.toString());
        } finally {
            System.setOut(saved);
        }
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, run.exit(), run.err() + log);
        assertTrue(log.contains("Warning: conv2d (Conv2D, 1 input channel) stays dense"), log);
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        for (String k : List.of("accuracy_dense", "accuracy_one_shot_no_permutation", "accuracy_one_shot_permuted",
                "accuracy_fine_tuned", "accuracy_runtime_s24")) {
            assertTrue(s.has(k), k + " in " + s);
        }
        assertEquals(s.get("accuracy_fine_tuned").asDouble(), s.get("accuracy_runtime_s24").asDouble(), 1e-9);
        assertEquals(3, s.get("layers_2_4").size());
        for (String f : List.of("model.s24", "model.tflite")) {
            Graph g = ModelFiles.read(out.resolve(f));
            WeightSparsityCheck.Result r = WeightSparsityCheck.check(g, NmPattern.TWO_FOUR);
            assertTrue(r.passes(), f + ": " + r.toText());
            assertEquals(3, g.compressedTensors().size(), f + " stores the three 2:4 kernels compressed");
        }
    }

    @Test
    void aModelWithAnUntrainableOpIsRefusedByName(@TempDir Path dir) throws Exception {
        Path data = SyntheticIdx.write(dir.resolve("data"), "train", "t10k", 8, 4, new int[]{2, 2}, 4, 1);
        Graph g = new Graph(List.of(GraphTensor.activation("x", new int[]{-1, 4}, DType.FLOAT32),
                GraphTensor.activation("y", new int[]{-1, 4}, DType.FLOAT32)),
                List.of(new Operator(OpType.TANH, new int[]{0}, new int[]{1}, OpOptions.NONE)),
                new int[]{0}, new int[]{1}, Map.of());
        Path model = dir.resolve("tanh.tflite");
        ModelFiles.writeTflite(g, model);
        UserErrorsTest.assertUserError(FormatCommandsTest.run("sparsify", model.toString(), "--data", data.toString(),
                "--out", dir.resolve("out").toString(), "--quiet"), "sparsify", "TANH", "cannot be trained");
    }
}
