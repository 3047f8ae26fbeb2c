package dev.sparse24.format;

import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.format.s24.SampleGraphs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFilesTest {
    @Test
    void chosenByIdentifierNotByName(@TempDir Path dir) throws Exception {
        // A .tflite written here (no third-party file needed), renamed to .s24.
        Path sine = dir.resolve("sample.tflite");
        ModelFiles.writeTflite(SampleGraphs.sample(2), sine);
        Path renamed = dir.resolve("sine.s24");
        Files.copy(sine, renamed);
        assertEquals(ModelFiles.Kind.TFLITE, ModelFiles.kindOf(Files.readAllBytes(renamed)));
        assertEquals(ModelFiles.read(sine).operators().size(), ModelFiles.read(renamed).operators().size());

        Path s24 = dir.resolve("m.tflite");
        S24Writer.write(SampleGraphs.sample(1), s24);
        assertEquals(ModelFiles.Kind.S24, ModelFiles.kindOf(Files.readAllBytes(s24)));
        assertEquals(SampleGraphs.sample(1).tensors().size(), ModelFiles.read(s24).tensors().size());
    }

    @Test
    void otherFilesAreRejectedWithTheFileName(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("junk.bin");
        Files.write(junk, "hello, not a model".getBytes());
        assertNull(ModelFiles.kindOf(Files.readAllBytes(junk)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.read(junk));
        assertTrue(e.getMessage().contains("junk.bin") && e.getMessage().contains("\"o, n\""), e.getMessage());
        assertThrows(ModelFormatException.class, () -> ModelFiles.read(new byte[3]));
    }

    @Test
    void requireDistinctRefusesTheSameFileUnderAnyName(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model.s24");
        S24Writer.write(SampleGraphs.sample(1), model);
        Path link = Files.createSymbolicLink(dir.resolve("link.s24"), model.getFileName());
        Path hard = Files.createLink(dir.resolve("hard.s24"), model);
        for (Path same : new Path[]{model, dir.resolve(".").resolve("model.s24"), link, hard}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelFiles.requireDistinct(model, same), same.toString());
            assertTrue(e.getMessage().contains("same file") && e.getMessage().contains(same.toString()), e.getMessage());
        }
        // The same path that does not exist yet is still the same file.
        Path missing = dir.resolve("missing.s24");
        assertThrows(IllegalArgumentException.class, () -> ModelFiles.requireDistinct(missing, missing));
        byte[] before = Files.readAllBytes(model);

        Path other = dir.resolve("other.s24");
        ModelFiles.requireDistinct(model, other);          // absent output: distinct
        Files.copy(model, other);
        ModelFiles.requireDistinct(model, other);          // same bytes, another file: distinct
        assertArrayEquals(before, Files.readAllBytes(model));
    }
}
