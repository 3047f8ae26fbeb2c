package dev.sparse24.format.tflite;

import dev.sparse24.format.ModelFormatException;
import dev.sparse24.format.tflite.fb.Model;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a TensorFlow Lite flatbuffer (float32 models) into a {@link Graph}.
 *
 * <p>Supported: one subgraph; the ops of {@link OpType}; and the converter's plumbing, folded at
 * import: SHAPE / STRIDED_SLICE / PACK computing a RESHAPE's target (folded to a static
 * reshape), CAST of a graph input to float32 (the cast output becomes the input),
 * EXPAND_DIMS (a reshape), DEQUANTIZE of float16 constant weights (decoded to float32).
 * Quantized tensors, TFLite's own sparse tensors, several subgraphs and other ops are refused
 * with a {@link ModelFormatException} naming the op, its index and the tensor.
 *
 * <p>RESHAPE in the graph keeps dimension 0 as the batch (see {@code ReferenceEvaluator}): a
 * folded shape's first entry is the file's batch (usually 1) and is replaced by the run's.
 *
 * <p>CONV_2D filters with {@code in % 4 == 0} and FULLY_CONNECTED weights that hold 2:4 along
 * their last dimension are stored compressed ({@link GraphTensor#compressed}).
 *
 * <p>Bad files: the whole buffer is verified first ({@link TfliteVerifier} over
 * {@code FlatBufferVerifier}), then every index,
 * shape and buffer size is checked as it is read; no runtime exception escapes.
 *
 * <p>The work is split by concern: {@link TfliteTensors} decodes the tensor table,
 * {@link TfliteOptions} the builtin options, {@link TfliteFolding} folds the plumbing, and
 * {@link TfliteImport} walks the operators and assembles the graph.
 */
public final class TfliteReader {
    /** The file identifier at bytes 4..8. */
    public static final String FILE_IDENTIFIER = "TFL3";
    /** The only schema version read (buffers in Model.buffers). */
    public static final int SCHEMA_VERSION = 3;
    /** Largest tensor (elements) accepted: bounds what a file can make a runtime allocate. */
    public static final long MAX_ELEMENTS = 1L << 28;

    private TfliteReader() {
    }

    /**
     * Reads a .tflite file.
     *
     * @throws IOException          when the file cannot be read
     * @throws ModelFormatException when it is not a valid, supported float32 TFLite model
     */
    public static Graph read(Path file) throws IOException, ModelFormatException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(file + ": " + size + " bytes, more than a flatbuffer can address");
        }
        try {
            return read(Files.readAllBytes(file));
        } catch (ModelFormatException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a .tflite model from memory.
     *
     * @throws ModelFormatException when it is not a valid, supported float32 TFLite model
     */
    public static Graph read(byte[] bytes) throws ModelFormatException {
        if (bytes.length < 8) {
            throw new ModelFormatException("truncated: " + bytes.length + " bytes, a TFLite file has at least 8");
        }
        String id = new String(bytes, 4, 4, StandardCharsets.ISO_8859_1);
        if (!id.equals(FILE_IDENTIFIER)) {
            throw new ModelFormatException("not a TFLite file: identifier at offset 4 is \"" + printable(id)
                    + "\", expected \"" + FILE_IDENTIFIER + "\"");
        }
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        TfliteVerifier.verify(bb);
        try {
            return new TfliteImport(Model.getRootAsModel(bb)).run();
        } catch (RuntimeException e) {
            // The verifier covers what the accessors read; this is the net for anything it missed.
            throw new ModelFormatException("malformed TFLite file: " + e, e);
        }
    }
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c >= 32 && c < 127 ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return b.toString();
    }
}
