package dev.sparse24.cli;

import dev.sparse24.data.MnistFile;
import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.format.s24.SampleGraphs;
import dev.sparse24.graph.Graph;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every user error is one line on stderr, {@code <command>: what and where}, exit status 2, and
 * no stack trace: bad data directories and IDX files, bad output paths, missing files and
 * directories given as models, malformed text inputs, an oversized --batch. Models are written
 * here (the tutorial graph with 2:4 layers, the small sample graph): no shared files needed.
 */
class UserErrorsTest {
    @TempDir
    static Path fixtures;
    static Path tutorialModel;
    static Path sampleModel;

    @BeforeAll
    static void writeModels() throws Exception {
        tutorialModel = fixtures.resolve("tutorial.s24");
        S24Writer.write(TutorialFixture.graph(3), tutorialModel);
        sampleModel = fixtures.resolve("sample.s24");
        S24Writer.write(SampleGraphs.sample(4), sampleModel);
    }

    /** Exit 2 with exactly one line on stderr, starting with {@code command: } and containing each of {@code parts}. */
    static FormatCommandsTest.Run assertUserError(FormatCommandsTest.Run run, String command, String... parts) {
        assertEquals(2, run.exit(), run.err() + run.out());
        String err = run.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        assertTrue(err.startsWith(command + ": "), err);
        for (String p : parts) {
            assertTrue(err.contains(p), "mentions '" + p + "': " + err);
        }
        return run;
    }

    static FormatCommandsTest.Run run(String... args) {
        return FormatCommandsTest.run(args);
    }

    // ---------------------------------------------------------------- convert onto itself

    @Test
    void convertRefusesToOverwriteItsInputUnderAnyName(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.s24");
        Files.copy(sampleModel, model);
        byte[] before = Files.readAllBytes(model);
        Path link = dir.resolve("link.s24");
        Files.createSymbolicLink(link, model);
        assertUserError(run("convert", model.toString(), model.toString()), "convert", "same file");
        assertUserError(run("convert", model.toString(), link.toString()), "convert", "same file");
        assertUserError(run("convert", model.toString(), dir.resolve(".").resolve("m.s24").toString()),
                "convert", "same file");
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, Files.readAllBytes(model), "input untouched");
    }

    // ---------------------------------------------------------------- data directories

    @Test
    void tutorialWithABadIdxFileNamesTheFile(@TempDir Path dir) throws Exception {
        for (MnistFile f : MnistFile.values()) {
            Files.write(dir.resolve(f.fileName()), new byte[] {9, 9, 9, 9, 0, 0, 0, 1, 0});
        }
        Path labels = dir.resolve(MnistFile.TRAIN_LABELS.fileName());
        assertUserError(run("tutorial", "--data", dir.toString(), "--limit", "10", "--epochs", "1", "--quiet",
                "--out", dir.resolve("out").toString()), "tutorial", labels.toString());
    }

    @Test
    void dataDirectoryThatIsMissingEmptyOrIncompleteIsNamedNotReplaced(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing");
        String[] common = {"--limit", "10", "--epochs", "1", "--quiet", "--out", dir.resolve("out").toString()};
        assertUserError(run(concat(new String[] {"tutorial", "--data", missing.toString()}, common)), "tutorial",
                missing.toString(), "does not exist");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertUserError(run(concat(new String[] {"tutorial", "--data", empty.toString()}, common)), "tutorial",
                empty.toString(), "lacks", MnistFile.TRAIN_IMAGES.fileName());
        Path partial = Files.createDirectories(dir.resolve("partial"));
        Files.createFile(partial.resolve(MnistFile.TRAIN_IMAGES.fileName()));
        FormatCommandsTest.Run r = assertUserError(run(concat(new String[] {"tutorial", "--data", partial.toString()},
                common)), "tutorial", partial.toString(), MnistFile.TEST_LABELS.fileName());
        assertFalse(r.err().contains(MnistFile.TRAIN_IMAGES.fileName() + "[.gz]"), "present file not listed: " + r.err());
        assertUserError(run("run", tutorialModel.toString(), "--mnist", "5", "--data", missing.toString()), "run",
                missing.toString(), "does not exist");
    }

    // ---------------------------------------------------------------- output paths

    @Test
    void badOutputPathsForConvertVisualizeAndExport(@TempDir Path dir) throws Exception {
        Path aFile = Files.writeString(dir.resolve("a-file"), "x");
        assertUserError(run("convert", sampleModel.toString(), aFile.resolve("out.s24").toString()), "convert",
                aFile.toString(), "is a file, not a directory");
        Path aDir = Files.createDirectories(dir.resolve("a-dir"));
        assertUserError(run("convert", sampleModel.toString(), aDir.toString()), "convert",
                aDir.toString(), "is a directory");
        assertUserError(run("visualize", tutorialModel.toString(), "--out", aFile.resolve("pics").toString()),
                "visualize", aFile.toString(), "is a file, not a directory");
        assertUserError(run("visualize", tutorialModel.toString(), "--out", aFile.toString()),
                "visualize", aFile.toString());
        assertUserError(run("export", sampleModel.toString(), "--out", aFile.resolve("x").toString()),
                "export", aFile.toString(), "is a file, not a directory");
        assertUserError(run("run", tutorialModel.toString(), "--mnist", "1", "--output",
                aFile.resolve("y.f32").toString()), "run", aFile.toString());
        assertUserError(run("tutorial", "--out", aFile.toString(), "--limit", "10", "--quiet"), "tutorial",
                aFile.toString());
    }

    @Test
    void badRecipesAreNamedBeforeAnyTraining(@TempDir Path dir) {
        String out = dir.resolve("out").toString();
        assertUserError(run("tutorial", "--recipe", "fastest", "--out", out, "--quiet"), "tutorial", "--recipe",
                "key=value");
        assertUserError(run("tutorial", "--recipe", "best,srste=-1", "--out", out, "--quiet"), "tutorial",
                "--recipe", "srste");
        assertUserError(run("tutorial", "--recipe", "warmup=0.1,turbo=1", "--out", out, "--quiet"), "tutorial",
                "unknown ingredient 'turbo'");
    }

    // ---------------------------------------------------------------- model files

    @Test
    void missingModelsAndDirectoriesGivenAsModels(@TempDir Path dir) throws Exception {
        Path nope = dir.resolve("nope.s24");
        for (String command : new String[] {"check-sparsity", "convert", "visualize", "export", "run"}) {
            String[] args = switch (command) {
                case "convert" -> new String[] {command, nope.toString(), dir.resolve("o.s24").toString()};
                case "visualize", "export" -> new String[] {command, nope.toString(), "--out", dir.resolve("o").toString()};
                case "run" -> new String[] {command, nope.toString(), "--mnist", "1"};
                default -> new String[] {command, nope.toString()};
            };
            assertUserError(run(args), command, "no such file: " + nope);
            args[1] = dir.toString();
            assertUserError(run(args), command, "model " + dir + " is a directory");
        }
    }

    @Test
    void fileSystemRefusalsAreNamedWithTheirPath() {
        // Tests run as root here, where no permission is ever denied: the mapping itself.
        assertEquals("permission denied: /x/y", UserErrorHandler.describe(new AccessDeniedException("/x/y")));
        assertEquals("no such file: /x/z", UserErrorHandler.describe(new java.nio.file.NoSuchFileException("/x/z")));
        assertEquals(null, UserErrorHandler.describe(new IllegalStateException("a bug")), "bugs keep their trace");
    }

    // ---------------------------------------------------------------- run inputs

    @Test
    void badTextInputNamesFileLineAndToken(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("x.txt");
        Files.writeString(text, "0.5 1e-3 -2\n0, 1, abc, 3\n");
        assertUserError(run("run", tutorialModel.toString(), "--input", text.toString()), "run",
                text + ":2", "value 3", "'abc'");
        Files.writeString(text, "1.0 2.0f\n");
        assertUserError(run("run", tutorialModel.toString(), "--input", text.toString()), "run",
                text + ":1", "'2.0f'");
        Path raw = Files.write(dir.resolve("x.f32"), new byte[7]);
        assertUserError(run("run", tutorialModel.toString(), "--input", raw.toString()), "run", raw.toString(), "7 bytes");
        assertUserError(run("run", tutorialModel.toString(), "--input", dir.resolve("none.txt").toString()), "run",
                "no such file: " + dir.resolve("none.txt"));
    }

    @Test
    void numpySpellingsOfNonFiniteValuesAreRead() {
        Path f = Path.of("x.txt");
        assertTrue(Float.isNaN(FloatFile.parse("nan", f, 1, 1)));
        assertTrue(Float.isNaN(FloatFile.parse("NaN", f, 1, 1)));
        assertEquals(Float.POSITIVE_INFINITY, FloatFile.parse("inf", f, 1, 1));
        assertEquals(Float.NEGATIVE_INFINITY, FloatFile.parse("-inf", f, 1, 1));
        assertEquals(Float.NEGATIVE_INFINITY, FloatFile.parse("-Infinity", f, 1, 1));
        assertEquals(-1.5e-3f, FloatFile.parse("-1.500000000000000031e-03", f, 1, 1));
        assertEquals(0.5f, FloatFile.parse(".5", f, 1, 1));
    }

    @Test
    void textInputWithNanAndInfRunsLikeTheSession(@TempDir Path dir) throws Exception {
        // As numpy.savetxt writes it: one image per line, %.18e, nan/inf/-inf spelled so.
        Random r = new Random(6);
        float[] x = new float[2 * 784];
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
            String token = String.format(java.util.Locale.ROOT, "%.18e", (double) x[i]);
            if (i == 900) {
                x[i] = Float.NaN;
                token = "nan";
            } else if (i == 901) {
                x[i] = Float.POSITIVE_INFINITY;
                token = "inf";
            } else if (i == 902) {
                x[i] = Float.NEGATIVE_INFINITY;
                token = "-inf";
            }
            text.append(token).append(i % 784 == 783 ? "\n" : " ");
        }
        Path in = Files.writeString(dir.resolve("x.txt"), text);
        Path out = dir.resolve("y.f32");
        FormatCommandsTest.Run run = run("run", tutorialModel.toString(), "--input", in.toString(), "--output",
                out.toString(), "--show", "0");
        assertEquals(0, run.exit(), run.err());
        float[] want;
        try (InferenceSession s = SparseModel.load(tutorialModel).newSession()) {
            want = s.run(x, 2);
        }
        float[] got = new float[want.length];
        ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.isNaN(want[i]), Float.isNaN(got[i]), "NaN at " + i);
            if (!Float.isNaN(want[i])) {
                assertEquals(want[i], got[i], "logit " + i);
            }
        }
    }

    @Test
    void batchLargerThanTheInputRunsAtTheInputsSize(@TempDir Path dir) throws Exception {
        // Before: the session sized its workspace for 100,000 images and failed with "lower maxBatch".
        float[] x = new float[3 * 784];
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        Path in = Files.write(dir.resolve("x.f32"), b.array());
        FormatCommandsTest.Run run = run("run", tutorialModel.toString(), "--input", in.toString(), "--batch", "100000");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("Throughput (batch 3, 3 images)"), run.out());
        assertFalse(run.err().contains("maxBatch"), run.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
