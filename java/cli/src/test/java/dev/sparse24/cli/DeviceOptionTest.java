package dev.sparse24.cli;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run --device}: CUDA without a GPU is one line and exit 3; auto says which device runs
 * and why; with the host simulation (-Dsparse24.cuda.sim=true, as SPARSE24_CUDA_SIM=1 does) CUDA
 * runs the tutorial model and writes the CPU's predictions.
 */
class DeviceOptionTest {
    // MNIST as users get it (../shared when present, else fetched and checked): any clone.
    static String mnist() {
        return dev.sparse24.testing.TestData.mnistDir().toString();
    }

    @Test
    void cudaWithoutAGpuIsOneLineAndAutoSaysWhy(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("1".equals(System.getenv("SPARSE24_CUDA_SIM")),
                "SPARSE24_CUDA_SIM=1 makes CUDA available");
        Path model = dir.resolve("tutorial.s24");
        ModelFiles.writeS24(TutorialFixture.graph(3), model);
        FormatCommandsTest.Run run = FormatCommandsTest.run("run", model.toString(), "--mnist", "2", "--data", mnist(),
                "--device", "cuda");
        assertEquals(3, run.exit(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("run: CUDA backend unavailable: "), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace");
        run = FormatCommandsTest.run("run", model.toString(), "--mnist", "2", "--data", mnist(), "--device", "auto");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("Device: CPU (--device auto"), run.out());
        assertTrue(run.out().contains("(CUDA not used: "), run.out());
    }

    @Test
    void simulatedCudaGivesTheCpuPredictions(@TempDir Path dir) throws Exception {
        // java/cuda's own tests insist on the simulation where it was built; here it may be absent.
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.sparse24.runtime.cuda.sim.SimDevice.unavailableReason() == null,
                "the host simulation is not built here (no CUDA headers)");
        Path model = dir.resolve("tutorial.s24");
        ModelFiles.writeS24(TutorialFixture.graph(3), model);
        Path cpu = dir.resolve("cpu.bin");
        Path gpu = dir.resolve("gpu.bin");
        FormatCommandsTest.Run run = FormatCommandsTest.run("run", model.toString(), "--mnist", "8", "--data", mnist(),
                "--device", "cpu", "--output", cpu.toString());
        assertEquals(0, run.exit(), run.err());
        System.setProperty("sparse24.cuda.sim", "true");
        try {
            run = FormatCommandsTest.run("run", model.toString(), "--mnist", "8", "--data", mnist(),
                    "--device", "cuda", "--output", gpu.toString());
        } finally {
            System.clearProperty("sparse24.cuda.sim");
        }
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("Session: CUDA host simulation"), run.out());
        float[] a = floats(cpu);
        float[] b = floats(gpu);
        assertArrayEquals(argmax(a, 10), argmax(b, 10));
    }

    static float[] floats(Path p) throws Exception {
        java.nio.FloatBuffer f = java.nio.ByteBuffer.wrap(Files.readAllBytes(p)).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        float[] v = new float[f.remaining()];
        f.get(v);
        return v;
    }

    /** Arg-max per item, written out here so the test does not reuse the code it checks. */
    static int[] argmax(float[] y, int classes) {
        int[] p = new int[y.length / classes];
        for (int i = 0; i < p.length; i++) {
            for (int c = 1; c < classes; c++) {
                if (y[i * classes + c] > y[i * classes + p[i]]) {
                    p[i] = c;
                }
            }
        }
        return p;
    }
}
