package dev.sparse24.cli;

import dev.sparse24.graph.Graph;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.format.ModelFiles;
import dev.sparse24.tensor.Tensor;
import dev.sparse24.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sparse24 run} on real TFLite models: predictions equal the reference's, MNIST accuracy, errors. */
class RunCommandTest {

    @Test
    void predictsFromARawInputFileLikeTheReference(@TempDir Path dir) throws Exception {
        Path model = TestData.tfliteModel("mattn__mnist_model.tflite");
        Random r = new Random(2);
        float[] x = new float[3 * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        Path input = dir.resolve("x.f32");
        Files.write(input, b.array());
        Path output = dir.resolve("y.f32");
        FormatCommandsTest.Run run = FormatCommandsTest.run("run", model.toString(), "--input", input.toString(),
                "--batch", "2", "--output", output.toString());
        assertEquals(0, run.exit(), run.err());
        Graph g = ModelFiles.read(model);
        float[] y = new ReferenceEvaluator(g).run(Tensor.of(x, 3, 784)).toArray();
        // --output holds every logit, little-endian float32, batch first.
        byte[] written = Files.readAllBytes(output);
        assertEquals(4 * y.length, written.length);
        float[] got = new float[y.length];
        ByteBuffer.wrap(written).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        for (int i = 0; i < y.length; i++) {
            assertEquals(y[i], got[i], 1e-4f * Math.max(1f, Math.abs(y[i])), "logit " + i);
        }
        for (int i = 0; i < 3; i++) {
            int best = 0;
            for (int c = 1; c < 10; c++) {
                best = y[i * 10 + c] > y[i * 10 + best] ? c : best;
            }
            assertTrue(run.out().contains("#" + i + ": class " + best + " "), run.out());
        }
        assertTrue(run.out().contains("Latency (batch 1"), run.out());
        assertTrue(run.out().contains("images/s"), run.out());
    }

    /** How many of the first {@code n} MNIST test images the plain-Java reference evaluator classifies right. */
    static int referenceCorrect(Graph g, int n) {
        dev.sparse24.data.MnistDataset mnist = TestData.mnist(n);
        int[] shape = g.tensor(g.inputs()[0]).shape().clone();
        shape[0] = n;
        float[] y = new ReferenceEvaluator(g).run(Tensor.of(mnist.testImages().toArray(), shape)).toArray();
        int classes = y.length / n;
        int correct = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                best = y[i * classes + c] > y[i * classes + best] ? c : best;
            }
            correct += best == mnist.testLabels()[i] ? 1 : 0;
        }
        return correct;
    }

    /**
     * A converter-made model with a uint8 input (CAST inside): --mnist feeds it the raw pixels
     * (pixels / 255 made such models score about 11%), and its logits are TensorFlow Lite's.
     */
    @Test
    void feedsAUint8InputTheRawPixels(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("uint8_input.tflite");
        Path logits = dir.resolve("want.txt");
        for (Path p : new Path[]{model, logits}) {
            try (java.io.InputStream in = RunCommandTest.class.getResourceAsStream(
                    "/dev/sparse24/format/tflite/" + (p == model ? "uint8_input.tflite" : "uint8_input.logits.txt"))) {
                Files.write(p, in.readAllBytes());
            }
        }
        Path out = dir.resolve("y.f32");
        FormatCommandsTest.Run run = FormatCommandsTest.run("run", model.toString(), "--mnist", "8",
                "--data", TestData.mnistDir().toString(), "--output", out.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("UINT8"), run.out());
        float[] got = FloatFile.read(out);
        float[] want = FloatFile.read(logits);
        assertEquals(80, got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals(want[i], got[i], 1e-4f, "logit " + i);
        }

        // Text input for a byte model: whole numbers in range, else one line naming the value.
        Path text = dir.resolve("x.txt");
        Files.writeString(text, "0 ".repeat(783) + "255\n");
        FormatCommandsTest.Run ok = FormatCommandsTest.run("run", model.toString(), "--input", text.toString());
        assertEquals(0, ok.exit(), ok.err());
        Files.writeString(text, "0 ".repeat(783) + "0.5\n");
        FormatCommandsTest.Run bad = FormatCommandsTest.run("run", model.toString(), "--input", text.toString());
        assertEquals(2, bad.exit(), bad.out());
        assertTrue(bad.err().contains("value 783 (0.5)") && bad.err().contains("UINT8"), bad.err());
        // Raw bytes for a byte model: one per value.
        Path raw = dir.resolve("x.u8");
        Files.write(raw, new byte[784 * 2]);
        FormatCommandsTest.Run rawRun = FormatCommandsTest.run("run", model.toString(), "--input", raw.toString());
        assertEquals(0, rawRun.exit(), rawRun.err());
        assertTrue(rawRun.out().contains("#1:"), rawRun.out());
    }

    @Test
    void reportsMnistAccuracy() throws Exception {
        Path model = TestData.tfliteModel("jspkay__mnist.tflite");
        FormatCommandsTest.Run run = FormatCommandsTest.run("run", model.toString(),
                "--mnist", "100", "--data", TestData.mnistDir().toString(), "--threads", "2", "--show", "3");
        assertEquals(0, run.exit(), run.err());
        Matcher m = Pattern.compile("Accuracy: ([0-9.]+) \\((\\d+) of 100\\)").matcher(run.out());
        assertTrue(m.find(), run.out());
        // The same count as the reference evaluator's on the same images: the runtime agrees with
        // it to 1e-5 (InferenceSessionTest), far below any logit gap on these 100 images.
        int want = referenceCorrect(ModelFiles.read(model), 100);
        assertEquals(want, Integer.parseInt(m.group(2)), run.out());
        assertEquals(want / 100.0, Double.parseDouble(m.group(1)), 1e-9, run.out());
        assertTrue(run.out().contains("... 97 more"), run.out());
    }

    @Test
    void tutorialEvaluatesItsExportOnTheRuntime(@TempDir Path dir) throws Exception {
        FormatCommandsTest.Run run = FormatCommandsTest.run("tutorial", "--limit", "300", "--epochs", "1",
                "--data", TestData.mnistDir().toString(), "--out", dir.toString(), "--quiet", "--threads", "1");
        assertEquals(0, run.exit(), run.err());
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("summary.json").toFile());
        double trained = summary.get("test_accuracy").asDouble();
        for (String kind : new String[]{"sparse", "dense"}) {
            com.fasterxml.jackson.databind.JsonNode r = summary.get("runtime").get(kind);
            assertTrue(r != null, kind + " missing: " + summary);
            // 300 images: one flipped borderline prediction is 0.0033; the 0.0005 bound is for 10,000.
            assertTrue(Math.abs(r.get("accuracy").asDouble() - trained) <= 1.0 / 300 + 1e-9, kind + ": " + r);
            assertTrue(r.get("images_per_second").isNumber() && r.get("latency_ms_batch1").isNumber(), r.toString());
        }
        // Independently: the exported .s24 on the reference evaluator, same 300 test images. The
        // runtime's count may differ from it only by a borderline image whose top two logits are
        // within the runtime's 1e-5 error (one image is 1/300).
        double reference = referenceCorrect(ModelFiles.read(dir.resolve("model.s24")), 300) / 300.0;
        for (String kind : new String[]{"sparse", "dense"}) {
            double got = summary.get("runtime").get(kind).get("accuracy").asDouble();
            assertTrue(Math.abs(got - reference) <= 1.0 / 300 + 1e-9, kind + ": " + got + " vs reference " + reference);
        }
        assertTrue(summary.get("runtime").get("sparse").get("session").asText().contains("2 of 4 GEMM layers 2:4"),
                summary.toString());
        assertTrue(summary.get("runtime").get("dense").get("session").asText().contains("0 of 4"), summary.toString());
    }

    @Test
    void rejectsBadInputsAndDevices(@TempDir Path dir) throws Exception {
        Path model = TestData.tfliteModel("mattn__mnist_model.tflite");
        Path text = dir.resolve("x.txt");
        Files.writeString(text, "1, 2, 3");
        FormatCommandsTest.Run run = FormatCommandsTest.run("run", model.toString(), "--input", text.toString());
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("784"), run.err());
        run = FormatCommandsTest.run("run", model.toString(), "--input", text.toString(), "--device", "cuda");
        assertEquals(2, run.exit(), "size is checked before the session: " + run.err());
        Files.writeString(text, "0 ".repeat(784));
        run = FormatCommandsTest.run("run", model.toString(), "--input", text.toString(), "--device", "cuda");
        assertEquals(3, run.exit());
        assertTrue(run.err().contains("CUDA"), run.err());
        run = FormatCommandsTest.run("run", model.toString());
        assertEquals(2, run.exit(), "--input or --mnist is required");
        Path junk = dir.resolve("junk.tflite");
        Files.write(junk, new byte[16]);
        run = FormatCommandsTest.run("run", junk.toString(), "--input", text.toString());
        assertEquals(2, run.exit());
    }
}
