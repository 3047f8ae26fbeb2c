package dev.sparse24.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.onnx.OnnxProto.ModelProto;
import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.graph.DType;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.OpType;
import dev.sparse24.graph.Operator;
import dev.sparse24.graph.Padding;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code export MODEL --onnx} and {@code convert IN OUT.onnx} as a user runs them: the written
 * model loads in ONNX Runtime and gives the reference evaluator's logits; a model ONNX cannot
 * hold is one line naming the operator, exit 2, nothing written.
 */
class OnnxCommandsTest {
    static float[] logitsFromOnnxRuntime(Path onnx, float[] x, int batch) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{batch, 28, 28, 1});
             OrtSession.Result r = s.run(Map.of(s.getInputNames().iterator().next(), t))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    static void assertSameLogits(Graph g, Path onnx) throws Exception {
        Random rnd = new Random(2);
        float[] x = new float[3 * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        float[] expected = new ReferenceEvaluator(g).run(Tensor.of(x, 3, 28, 28, 1)).toArray();
        float[] got = logitsFromOnnxRuntime(onnx, x, 3);
        assertEquals(expected.length, got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], 1e-4, "logit " + i);
        }
    }

    @Test
    void exportWithOnnxWritesAModelOnnxRuntimeRuns(@TempDir Path dir) throws Exception {
        Graph g = TutorialFixture.graph(4);
        Path in = dir.resolve("in.s24");
        S24Writer.write(g, in);
        Path out = dir.resolve("out");
        FormatCommandsTest.Run r = FormatCommandsTest.run("export", in.toString(), "--out", out.toString(), "--onnx");
        assertEquals(0, r.exit(), r.err());
        Path onnx = out.resolve("model.onnx");
        assertTrue(r.out().contains(onnx.toString()) && r.out().contains("opset 17"), r.out());
        assertTrue(Files.exists(out.resolve("model.s24")) && Files.exists(out.resolve("model.tflite")));
        assertEquals(17, ModelProto.parseFrom(Files.readAllBytes(onnx)).getOpsetImport(0).getVersion());
        assertSameLogits(g, onnx);
    }

    @Test
    void convertByExtensionWritesOnnxFromTflite(@TempDir Path dir) throws Exception {
        Graph g = TutorialFixture.graph(6);
        Path tflite = dir.resolve("model.tflite");
        ModelFiles.writeTflite(g, tflite);
        Path onnx = dir.resolve("sub/model.ONNX");
        FormatCommandsTest.Run r = FormatCommandsTest.run("convert", tflite.toString(), onnx.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("ONNX opset 17"), r.out());
        assertSameLogits(ModelFiles.read(tflite), onnx);
    }

    @Test
    void aModelOnnxCannotHoldIsOneLineNamingTheOp(@TempDir Path dir) throws Exception {
        // A VALID 5x5 max pool on a 4x4 image: an empty output TFLite allows and ONNX does not.
        List<GraphTensor> tensors = List.of(GraphTensor.activation("x", new int[]{-1, 4, 4, 1}, DType.FLOAT32),
                GraphTensor.activation("y", new int[]{-1, 0, 0, 1}, DType.FLOAT32));
        Graph g = new Graph(tensors, List.of(new Operator(OpType.MAX_POOL_2D, new int[]{0}, new int[]{1},
                OpOptions.pool(Padding.VALID, 1, 1, 5, 5, FusedActivation.NONE))), new int[]{0}, new int[]{1}, Map.of());
        Path in = dir.resolve("bad.s24");
        S24Writer.write(g, in);
        Path onnx = dir.resolve("bad.onnx");
        FormatCommandsTest.Run r = FormatCommandsTest.run("convert", in.toString(), onnx.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().startsWith("convert: ") && r.err().contains("MAX_POOL_2D"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(onnx));

        Path out = dir.resolve("out");
        FormatCommandsTest.Run e = FormatCommandsTest.run("export", in.toString(), "--out", out.toString(), "--onnx");
        assertEquals(2, e.exit(), e.out() + e.err());
        assertTrue(e.err().contains("MAX_POOL_2D"), e.err());
        assertFalse(Files.exists(out.resolve("model.s24")), "nothing written when the ONNX export is refused");
    }
}
