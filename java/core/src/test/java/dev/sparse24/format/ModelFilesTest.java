package dev.sparse24.format;

import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.format.s24.SampleGraphs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

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
}
