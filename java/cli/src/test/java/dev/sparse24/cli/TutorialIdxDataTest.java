package dev.sparse24.cli;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.graph.Graph;
import dev.sparse24.testing.SyntheticIdx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sparse24 tutorial --data DIR} on an IDX set that is not MNIST: it says so once and the model adapts. */
class TutorialIdxDataTest {
    @Test
    void tutorialTrainsOnAnRgbFiveClassSetAndExportsItsShape(@TempDir Path dir) throws Exception {
        Path data = SyntheticIdx.write(dir.resolve("data"), "train", "test", 60, 20, new int[]{12, 10, 3}, 5, 1);
        Path out = dir.resolve("out");
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FormatCommandsTest.Run run;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            run = FormatCommandsTest.run("tutorial", "--data", data.toString(), "--epochs", "1", "--threads", "1",
                    "--quiet", "--device", "cpu", "--out", out.toString());
        } finally {
            System.setOut(saved);
        }
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, run.exit(), run.err() + log);
        assertEquals(1, log.split("not the MNIST files", -1).length - 1, log);
        assertTrue(log.contains("(12, 10, 3), 5 classes"), log);
        Graph g = ModelFiles.read(out.resolve("model.tflite"));
        assertArrayEquals(new int[]{12, 10, 3}, Arrays.copyOfRange(g.tensor(g.inputs()[0]).shape(), 1, 4));
        int[] outShape = g.tensor(g.outputs()[0]).shape();
        assertEquals(5, outShape[outShape.length - 1]);
        assertTrue(Files.isRegularFile(out.resolve("model.s24")));
    }
}
