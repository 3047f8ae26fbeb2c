package dev.sparse24.bench.gpu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A minimal array container Python reads with numpy alone: {@code vectors.bin} (arrays back to
 * back, little-endian, each 16-byte aligned) and {@code vectors.json} (name, dtype, shape,
 * offset, bytes of each array, plus free-form JSON sections added with {@link #section}).
 */
final class VectorBundle {
    private final ByteArrayBuilder data = new ByteArrayBuilder();
    private final List<String> entries = new ArrayList<>();
    private final List<String> sections = new ArrayList<>();

    void putF32(String name, float[] v, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        put(name, "float32", b.array(), shape);
    }

    void putF64(String name, double[] v, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        put(name, "float64", b.array(), shape);
    }

    void putU16(String name, short[] v, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(v);
        put(name, "uint16", b.array(), shape);
    }

    void putU32(String name, int[] v, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        put(name, "uint32", b.array(), shape);
    }

    void put(String name, String dtype, byte[] bytes, int... shape) {
        long count = 1;
        for (int d : shape) {
            count *= d;
        }
        int width = dtype.equals("float64") ? 8 : dtype.equals("uint16") ? 2 : 4;
        if (count * width != bytes.length) {
            throw new IllegalArgumentException(name + ": shape needs " + count * width + " bytes, given "
                    + bytes.length);
        }
        data.alignTo(16);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.append(i > 0 ? ", " : "").append(shape[i]);
        }
        entries.add(String.format(Locale.ROOT,
                "    \"%s\": {\"dtype\": \"%s\", \"shape\": [%s], \"offset\": %d, \"bytes\": %d}",
                name, dtype, s, data.size(), bytes.length));
        data.append(bytes);
    }

    /** Adds a top-level JSON member {@code "name": json} (json written by the caller). */
    void section(String name, String json) {
        sections.add("  \"" + name + "\": " + json);
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("vectors.bin"), data.toArray());
        StringBuilder json = new StringBuilder("{\n");
        for (String s : sections) {
            json.append(s).append(",\n");
        }
        json.append("  \"arrays\": {\n").append(String.join(",\n", entries)).append("\n  }\n}\n");
        Files.writeString(dir.resolve("vectors.json"), json);
    }

    /** A growable byte array (java.io.ByteArrayOutputStream without the synchronisation). */
    private static final class ByteArrayBuilder {
        private byte[] buf = new byte[1 << 16];
        private int size;

        void append(byte[] b) {
            ensure(size + b.length);
            System.arraycopy(b, 0, buf, size, b.length);
            size += b.length;
        }

        void alignTo(int a) {
            int target = (size + a - 1) / a * a;
            ensure(target);
            size = target;
        }

        int size() {
            return size;
        }

        byte[] toArray() {
            return java.util.Arrays.copyOf(buf, size);
        }

        private void ensure(int n) {
            if (n > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(n, buf.length * 2));
            }
        }
    }
}
