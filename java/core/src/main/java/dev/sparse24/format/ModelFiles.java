package dev.sparse24.format;

import dev.sparse24.format.s24.S24Reader;
import dev.sparse24.format.s24.S24Writer;
import dev.sparse24.format.tflite.TfliteReader;
import dev.sparse24.format.tflite.TfliteWriter;
import dev.sparse24.graph.Graph;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One entry point for model files: reads .s24 or .tflite by the FlatBuffers file identifier
 * (bytes 4..8, not the file name), writes either. Writes are atomic ({@link AtomicFiles}): a
 * failed or killed write leaves the old file (or none), never a part.
 */
public final class ModelFiles {
    /** The kinds of model file Sparse24 reads. */
    public enum Kind {
        /** Our format, identifier {@code S24M}. */
        S24,
        /** TensorFlow Lite, identifier {@code TFL3}. */
        TFLITE
    }

    private ModelFiles() {
    }

    /** The kind of file {@code bytes} hold, or null when the identifier is neither. */
    public static Kind kindOf(byte[] bytes) {
        ByteBuffer bb = ByteBuffer.wrap(bytes);
        if (FlatBufferVerifier.hasIdentifier(bb, S24Writer.FILE_IDENTIFIER)) {
            return Kind.S24;
        }
        if (FlatBufferVerifier.hasIdentifier(bb, TfliteReader.FILE_IDENTIFIER)) {
            return Kind.TFLITE;
        }
        return null;
    }

    /**
     * Reads a model file, .s24 or .tflite, chosen by its identifier.
     *
     * @throws ModelFormatException when the file is neither, or is malformed (the message names
     *                              the file, what and where)
     */
    public static Graph read(Path path) throws IOException, ModelFormatException {
        long size = Files.size(path);
        if (size > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(path + ": " + size + " bytes is larger than a FlatBuffer can be (2 GiB)");
        }
        byte[] bytes = Files.readAllBytes(path);
        try {
            return read(bytes);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(path + ": " + e.getMessage(), e);
        }
    }

    /** Reads model bytes, .s24 or .tflite, chosen by their identifier. */
    public static Graph read(byte[] bytes) throws ModelFormatException {
        Kind kind = kindOf(bytes);
        if (kind == null) {
            String id = bytes.length >= 8 ? printable(bytes) : "(file of " + bytes.length + " bytes)";
            throw new ModelFormatException("not a model file: identifier at bytes 4..8 is " + id
                    + ", expected S24M (.s24) or TFL3 (.tflite)");
        }
        return kind == Kind.S24 ? S24Reader.read(bytes) : readTflite(bytes);
    }

    private static Graph readTflite(byte[] bytes) throws ModelFormatException {
        return TfliteReader.read(bytes);
    }

    private static String printable(byte[] b) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = 4; i < 8; i++) {
            int c = b[i] & 0xff;
            s.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.append('"').toString();
    }

    /** Writes {@code graph} as .s24 (2:4 weights compressed). */
    public static void writeS24(Graph graph, Path path) throws IOException {
        S24Writer.write(graph, path);
    }

    /** Writes {@code graph} as .tflite (2:4 weights dense with their zeros, as TFLite stores them). */
    public static void writeTflite(Graph graph, Path path) throws IOException {
        TfliteWriter.write(graph, path);
    }

    /**
     * Refuses to go on when {@code input} and {@code output} are the same file - the same path
     * spelled differently, a symbolic link to it or a hard link - since writing the output would
     * replace the input (a {@code convert X X}). An output that does not exist yet is distinct.
     *
     * @throws IllegalArgumentException when they are the same file, naming both paths
     * @throws IOException              when the file system cannot tell
     */
    public static void requireDistinct(Path input, Path output) throws IOException {
        boolean same = input.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())
                || Files.exists(input) && Files.exists(output) && Files.isSameFile(input, output);
        if (same) {
            throw new IllegalArgumentException("input " + input + " and output " + output + " are the same file: "
                    + "writing the output would replace the input; choose another output path");
        }
    }
}
