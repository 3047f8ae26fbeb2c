package dev.sparse24.cli;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.ModelFormatException;
import dev.sparse24.graph.Graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of the paths a command is given, before any work: what is wrong and with which path,
 * as a {@link UserError}, rather than what a later read or write would say ("Is a directory",
 * a bare path).
 */
final class CommandFiles {
    private CommandFiles() {
    }

    /** {@code file}, when it is an existing, readable regular file; {@code what} names it ("model", "input"). */
    static Path requireReadableFile(Path file, String what) {
        if (!Files.exists(file)) {
            throw new UserError("no such file: " + file);
        }
        if (Files.isDirectory(file)) {
            throw new UserError(what + " " + file + " is a directory, not a file");
        }
        if (!Files.isReadable(file)) {
            throw new UserError("permission denied: " + file);
        }
        return file;
    }

    /** A model read from {@code file} (.s24 or .tflite) after {@link #requireReadableFile}. */
    static Graph readModel(Path file) throws IOException, ModelFormatException {
        return ModelFiles.read(requireReadableFile(file, "model"));
    }

    /**
     * {@code file}, when it can be written as a file: not an existing directory, and its parent
     * either an existing writable directory or creatable (no file in the way).
     */
    static Path requireWritableFile(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new UserError(what + " " + file + " is a directory, not a file");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new UserError("permission denied: " + file);
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            requireDirectoryOrCreatable(parent, what + " " + file);
        }
        return file;
    }

    /** {@code dir}, when it is a writable directory or can be created (no file in the way). */
    static Path requireWritableDirectory(Path dir, String what) {
        requireDirectoryOrCreatable(dir.toAbsolutePath(), what + " " + dir);
        return dir;
    }

    private static void requireDirectoryOrCreatable(Path dir, String forWhat) {
        Path p = dir;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return;
        }
        if (!Files.isDirectory(p)) {
            throw new UserError("cannot write " + forWhat + ": " + p + " is a file, not a directory");
        }
        if (!Files.isWritable(p)) {
            throw new UserError("cannot write " + forWhat + ": permission denied: " + p);
        }
    }
}
