package dev.sparse24.format;

import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.format.s24.SampleGraphs;
import dev.sparse24.format.tflite.TfliteWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A write either replaces the whole file or leaves the old one, and never leaves a temporary file. */
class AtomicFilesTest {
    /** Writes {@code n} bytes of {@code 'x'}, then fails as a full disk or a killed writer would. */
    static AtomicFiles.Content failingAfter(int n) {
        return out -> {
            for (int i = 0; i < n; i++) {
                out.write('x');
            }
            out.flush();
            throw new IOException("disk full after " + n + " bytes");
        };
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesTheWholeContentAndNothingElse(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("out.s24");
        byte[] bytes = new byte[300_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        AtomicFiles.write(f, bytes);
        assertArrayEquals(bytes, Files.readAllBytes(f));
        assertEquals(List.of("out.s24"), names(dir));
    }

    @Test
    void aWriteFailingMidwayLeavesTheOldFileAndNoTemporary(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("model.s24");
        byte[] good = "the good old model".getBytes(StandardCharsets.UTF_8);
        Files.write(f, good);
        // Past the 64 KiB buffer, so part of it really reached the temporary file.
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, failingAfter(100_000)));
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(f));
        assertEquals(List.of("model.s24"), names(dir));
    }

    @Test
    void aFailedFirstWriteLeavesNoFileAtAll(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("new.tflite");
        RuntimeException bug = new IllegalStateException("serializer bug");
        assertSame(bug, assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, out -> {
            out.write(new byte[10]);
            throw bug;
        })));
        assertEquals(List.of(), names(dir));
    }

    @Test
    void closingTheStreamInsideContentIsHarmless(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.bin");
        AtomicFiles.write(f, out -> {
            try (OutputStream o = out) {
                o.write(new byte[]{1, 2, 3});
            }
        });
        assertArrayEquals(new byte[]{1, 2, 3}, Files.readAllBytes(f));
    }

    @Test
    void aReadOnlyDirectoryRefusesAndKeepsTheOldFile(@TempDir Path dir) throws Exception {
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Path f = ro.resolve("model.s24");
        Files.write(f, new byte[]{7});
        assumeTrue(Files.getFileStore(ro).supportsFileAttributeView("posix"), "POSIX permissions");
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            // root ignores directory permissions: there the refusal cannot be provoked this way.
            assumeTrue(!Files.isWritable(ro), "directory is still writable (running as root?)");
            assertThrows(IOException.class, () -> AtomicFiles.write(f, new byte[]{1, 2}));
            assertArrayEquals(new byte[]{7}, Files.readAllBytes(f));
            assertEquals(List.of("model.s24"), names(ro));
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aSymbolicLinkStaysAndItsDestinationIsReplaced(@TempDir Path dir) throws Exception {
        Path real = dir.resolve("real.s24");
        Files.write(real, new byte[]{1});
        Path link = Files.createSymbolicLink(dir.resolve("link.s24"), real.getFileName());
        AtomicFiles.write(link, new byte[]{2, 3});
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(new byte[]{2, 3}, Files.readAllBytes(real));
        assertEquals(List.of("link.s24", "real.s24"), names(dir));
    }

    @Test
    void anExistingFileKeepsItsPermissions(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.s24");
        Files.write(f, new byte[]{1});
        assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "POSIX permissions");
        Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rw-r-----");
        Files.setPosixFilePermissions(f, mode);
        AtomicFiles.write(f, new byte[]{2});
        assertEquals(mode, Files.getPosixFilePermissions(f));
    }

    @Test
    void modelWritersGoThroughIt(@TempDir Path dir) throws Exception {
        Path s24 = dir.resolve("m.s24");
        Path tflite = dir.resolve("m.tflite");
        Files.write(s24, new byte[]{9});
        S24Writer.write(SampleGraphs.sample(3), s24);
        TfliteWriter.write(SampleGraphs.sample(3), tflite);
        assertArrayEquals(S24Writer.toBytes(SampleGraphs.sample(3)), Files.readAllBytes(s24));
        assertArrayEquals(TfliteWriter.toBytes(SampleGraphs.sample(3)), Files.readAllBytes(tflite));
        assertEquals(List.of("m.s24", "m.tflite"), names(dir));
        assertFalse(names(dir).stream().anyMatch(n -> n.endsWith(".tmp")));
    }
}
