package dev.sparse24.tools;

import dev.sparse24.format.ModelFiles;
import dev.sparse24.format.onnx.OnnxExportException;
import dev.sparse24.format.onnx.OnnxWriter;
import dev.sparse24.graph.Graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a graph as {@code model.s24} and {@code model.tflite} side by side and reports both
 * sizes; {@link #writeOnnx} adds {@code model.onnx}.
 */
public final class ModelExport {
    private ModelExport() {
    }

    /** Sizes of the two files written. */
    public record Exported(Path s24, long s24Bytes, Path tflite, long tfliteBytes) {
        /** .s24 size over .tflite size. */
        public double ratio() {
            return (double) s24Bytes / tfliteBytes;
        }

        /** JSON-ready values. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("s24", s24.toString());
            m.put("s24_bytes", s24Bytes);
            m.put("tflite", tflite.toString());
            m.put("tflite_bytes", tfliteBytes);
            m.put("ratio", ratio());
            return m;
        }

        /** One line: both sizes and the ratio. */
        public String describe() {
            return String.format(Locale.ROOT, "model.s24 %,d bytes, model.tflite %,d bytes: .s24 is %.3fx the .tflite",
                    s24Bytes, tfliteBytes, ratio());
        }
    }

    /** Writes {@code graph} as {@code dir/model.s24} and {@code dir/model.tflite}, creating {@code dir}. */
    public static Exported writeBoth(Graph graph, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path s24 = dir.resolve("model.s24");
        Path tflite = dir.resolve("model.tflite");
        ModelFiles.writeS24(graph, s24);
        ModelFiles.writeTflite(graph, tflite);
        return new Exported(s24, Files.size(s24), tflite, Files.size(tflite));
    }

    /**
     * Writes {@code graph} as ONNX to {@code file} (atomically), returning its size in bytes.
     *
     * @throws OnnxExportException when the graph cannot be exported (the message names the op)
     */
    public static long writeOnnx(Graph graph, Path file) throws IOException, OnnxExportException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        OnnxWriter.write(graph, file);
        return Files.size(file);
    }
}
