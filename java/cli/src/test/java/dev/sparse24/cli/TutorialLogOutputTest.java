package dev.sparse24.cli;

import dev.sparse24.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code ./sparse24 tutorial > log}: off a terminal the training progress is one line per epoch,
 * with no progress-bar redraws (carriage returns) and no line printed twice.
 */
class TutorialLogOutputTest {
    @Test
    void progressOffATerminalIsOneLinePerEpoch() {
        assumeTrue(System.console() == null, "the test JVM must not have a console");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        var progress = TerminalProgress.forOutput(out);
        for (int epoch = 0; epoch < 3; epoch++) {
            progress.beginEpoch(epoch, 3, 50);
            for (int s = 0; s < 50; s++) {
                progress.step(1.0 / (s + 1), 0.5);
            }
            progress.endEpoch(epoch, 3, Map.of("loss", 0.1 * epoch, "seconds", 1.0));
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size(), lines.toString());
        for (int epoch = 0; epoch < 3; epoch++) {
            assertTrue(lines.get(epoch).startsWith("Epoch " + (epoch + 1) + "/3 - "), lines.toString());
        }
    }

    @Test
    void tutorialWrittenToAFileHasOneLinePerEpochAndNoRepeats(@TempDir Path dir) {
        assumeTrue(System.console() == null, "the test JVM must not have a console");
        Path mnist = TestData.mnistDir();
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FormatCommandsTest.Run run;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            // Not --quiet: what a user redirecting the output gets.
            run = FormatCommandsTest.run("tutorial", "--limit", "300", "--epochs", "2", "--threads", "1",
                    "--data", mnist.toString(), "--out", dir.toString());
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, run.exit(), run.err());
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(log.contains("\r"), "no redrawn bar in a log");
        List<String> epochLines = log.lines().filter(l -> l.startsWith("Epoch ")).toList();
        assertEquals(2, epochLines.size(), log);
        assertTrue(epochLines.get(0).startsWith("Epoch 1/2 - ") && epochLines.get(1).startsWith("Epoch 2/2 - "), log);
        Set<String> seen = new HashSet<>();
        for (String line : log.lines().toList()) {
            // Sparsity tables repeat their header for the .s24 and the .tflite by design; a repeated
            // progress or summary line would not.
            if (line.startsWith("Epoch ") || line.startsWith("Test accuracy") || line.startsWith("MNIST:")) {
                assertTrue(seen.add(line), "line repeated: " + line);
            }
        }
    }
}
