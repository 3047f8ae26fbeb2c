package dev.sparse24.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A schema-agnostic verification pass over a FlatBuffer, the Java counterpart of the C++
 * {@code flatbuffers::Verifier}: flatbuffers-java has none, and its generated accessors on a
 * corrupt buffer throw {@link IndexOutOfBoundsException}, follow garbage offsets, or report
 * lengths that make a reader allocate gigabytes.
 *
 * <p>A reader walks its schema through this class ({@link #root}, then {@link Table#table},
 * {@link Table#vector}, {@link Table#string}, {@link Table#union}, ...), naming each field;
 * every check that fails throws {@link ModelFormatException} with the byte offset and a path
 * such as {@code Model.subgraphs[0].tensors[3].shape}. Once the walk succeeds, every location
 * it visited is known to be inside the buffer, so the generated accessors may read them.
 *
 * <p>What is checked, as in C++: the root offset and optional file identifier; for a table,
 * its soffset to a vtable in bounds and aligned, a vtable size that is even, at least 4 and in
 * bounds, a table size in bounds, and every field inside the table; offsets non-zero,
 * non-negative as signed 32-bit values and pointing inside the buffer; vectors and strings
 * with their length word aligned and {@code length * elementSize} within the bytes that remain
 * (computed in 64 bits), strings NUL-terminated; union values present when the type is not
 * NONE; nesting depth and the total number of tables visited bounded (shared subtrees are
 * counted each time they are reached, so a small file cannot make a reader walk forever).
 *
 * <p>Offsets are absolute indices into the {@link ByteBuffer} (as the generated accessors use
 * them); the buffer's position marks the start of the FlatBuffer and its limit the end.
 */
public final class FlatBufferVerifier {
    /** Default nesting limit (the C++ Verifier's default). */
    public static final int DEFAULT_MAX_DEPTH = 64;
    /** Default limit on tables visited (the C++ Verifier's default). */
    public static final int DEFAULT_MAX_TABLES = 1_000_000;

    private static final int SIZE_UOFFSET = 4;
    private static final int SIZE_VOFFSET = 2;
    private static final int FILE_IDENTIFIER_LENGTH = 4;

    private final ByteBuffer bb;
    private final int start;
    private final int end;
    private final int maxDepth;
    private final int maxTables;
    private int tablesVisited;

    /** A verifier with the default limits over {@code buffer}'s position..limit. */
    public FlatBufferVerifier(ByteBuffer buffer) {
        this(buffer, DEFAULT_MAX_DEPTH, DEFAULT_MAX_TABLES);
    }

    /**
     * A verifier over {@code buffer}'s position..limit (the buffer itself is not modified).
     *
     * @param maxDepth  deepest allowed table nesting (the root is depth 1)
     * @param maxTables most tables a walk may visit
     */
    public FlatBufferVerifier(ByteBuffer buffer, int maxDepth, int maxTables) {
        if (maxDepth < 1 || maxTables < 1) {
            throw new IllegalArgumentException("limits must be positive, given depth " + maxDepth
                    + ", tables " + maxTables);
        }
        this.bb = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.start = buffer.position();
        this.end = buffer.limit();
        this.maxDepth = maxDepth;
        this.maxTables = maxTables;
    }

    /** Number of tables visited so far. */
    public int tablesVisited() {
        return tablesVisited;
    }

    /**
     * Whether the buffer carries the 4-character file identifier {@code id} (bytes 4..8). Never
     * throws: a buffer too short to hold one has none.
     */
    public static boolean hasIdentifier(ByteBuffer buffer, String id) {
        byte[] want = identifierBytes(id);
        int p = buffer.position();
        if (buffer.limit() - p < SIZE_UOFFSET + FILE_IDENTIFIER_LENGTH) {
            return false;
        }
        for (int i = 0; i < FILE_IDENTIFIER_LENGTH; i++) {
            if (buffer.get(p + SIZE_UOFFSET + i) != want[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] identifierBytes(String id) {
        byte[] b = id.getBytes(StandardCharsets.US_ASCII);
        if (b.length != FILE_IDENTIFIER_LENGTH) {
            throw new IllegalArgumentException("a file identifier has 4 ASCII characters, given \"" + id + "\"");
        }
        return b;
    }

    /**
     * Verifies the root offset (and the file identifier when {@code identifier} is not null)
     * and returns the root table.
     *
     * @param rootName   the root table's name, used as the first path element
     * @param identifier the expected 4-character identifier, or null to accept any
     */
    public Table root(String rootName, String identifier) throws ModelFormatException {
        int size = end - start;
        int minimum = SIZE_UOFFSET + (identifier != null ? FILE_IDENTIFIER_LENGTH : 0);
        if (size < minimum) {
            throw new ModelFormatException(rootName + ": buffer of " + size + " bytes is too short for a FlatBuffer"
                    + " (needs at least " + minimum + ")");
        }
        if (identifier != null && !hasIdentifier(bb.duplicate().position(start), identifier)) {
            throw new ModelFormatException(rootName + ": file identifier at byte " + (start + SIZE_UOFFSET)
                    + " is \"" + printable(start + SIZE_UOFFSET, FILE_IDENTIFIER_LENGTH) + "\", expected \""
                    + identifier + "\"");
        }
        int target = followOffset(start, rootName + " (root offset)");
        return table(target, rootName, 1);
    }

    private String printable(int at, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int c = bb.get(at + i) & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.toString();
    }

    private ModelFormatException error(String what, int at, String path) {
        return new ModelFormatException(path + ": " + what + " at byte " + at);
    }

    private void checkRange(long at, long size, String what, String path) throws ModelFormatException {
        if (at < start || size < 0 || at + size > end) {
            throw new ModelFormatException(path + ": " + what + " [" + at + ", " + (at + size)
                    + ") outside the buffer [" + start + ", " + end + ")");
        }
    }

    private void checkAlignment(int at, int align, String what, String path) throws ModelFormatException {
        // Alignment is relative to the buffer start, as builders align relative to the end of
        // a buffer whose size is a multiple of the largest alignment.
        if (((at - start) & (align - 1)) != 0) {
            throw error(what + " misaligned (needs " + align + "-byte alignment)", at, path);
        }
    }

    /** Reads the uoffset at {@code at} and returns its target, checked to lie in the buffer. */
    private int followOffset(int at, String path) throws ModelFormatException {
        checkRange(at, SIZE_UOFFSET, "offset", path);
        checkAlignment(at, SIZE_UOFFSET, "offset", path);
        int o = bb.getInt(at);
        if (o == 0) {
            throw error("offset is 0", at, path);
        }
        if (o < 0) {
            throw error("offset " + Integer.toUnsignedString(o) + " exceeds 2^31-1", at, path);
        }
        long target = (long) at + o;
        if (target >= end) {
            throw error("offset " + o + " points to byte " + target + " past the end (" + end + ")", at, path);
        }
        return (int) target;
    }

    private Table table(int pos, String path, int depth) throws ModelFormatException {
        if (depth > maxDepth) {
            throw error("tables nested deeper than " + maxDepth, pos, path);
        }
        if (++tablesVisited > maxTables) {
            throw error("more than " + maxTables + " tables visited", pos, path);
        }
        checkRange(pos, SIZE_UOFFSET, "table", path);
        checkAlignment(pos, SIZE_UOFFSET, "table", path);
        long vtable = (long) pos - bb.getInt(pos);
        checkRange(vtable, 2L * SIZE_VOFFSET, "vtable", path);
        checkAlignment((int) vtable, SIZE_VOFFSET, "vtable", path);
        int vt = (int) vtable;
        int vsize = Short.toUnsignedInt(bb.getShort(vt));
        if (vsize < 2 * SIZE_VOFFSET || (vsize & 1) != 0) {
            throw error("vtable size " + vsize + " is not an even number >= 4", vt, path);
        }
        checkRange(vt, vsize, "vtable", path);
        int tsize = Short.toUnsignedInt(bb.getShort(vt + SIZE_VOFFSET));
        if (tsize < SIZE_UOFFSET) {
            throw error("table size " + tsize + " is smaller than its vtable offset", vt, path);
        }
        checkRange(pos, tsize, "table", path);
        return new Table(pos, vt, vsize, tsize, path, depth);
    }

    /**
     * A verified table: its vtable and extent are in bounds. Field accessors take the field's
     * slot id (its index in the schema, a union counting two) and its name for the path.
     */
    public final class Table {
        private final int pos;
        private final int vtable;
        private final int vtableSize;
        private final int tableSize;
        private final String path;
        private final int depth;

        private Table(int pos, int vtable, int vtableSize, int tableSize, String path, int depth) {
            this.pos = pos;
            this.vtable = vtable;
            this.vtableSize = vtableSize;
            this.tableSize = tableSize;
            this.path = path;
            this.depth = depth;
        }

        /** The table's absolute position (what generated {@code __assign} takes). */
        public int position() {
            return pos;
        }

        /** The path of this table, e.g. {@code Model.subgraphs[0]}. */
        public String path() {
            return path;
        }

        /** The field's offset within the table, or 0 when absent (default value). */
        private int fieldOffset(int slot) {
            int entry = SIZE_VOFFSET * (2 + slot);
            if (slot < 0 || entry + SIZE_VOFFSET > vtableSize) {
                return 0;
            }
            return Short.toUnsignedInt(bb.getShort(vtable + entry));
        }

        /** Whether the field is present (not defaulted). */
        public boolean has(int slot) {
            return fieldOffset(slot) != 0;
        }

        /** Checks a field of {@code size} bytes lies inside the table; returns its position or -1. */
        private int field(int slot, String name, int size) throws ModelFormatException {
            int off = fieldOffset(slot);
            if (off == 0) {
                return -1;
            }
            String p = path + "." + name;
            if (off + size > tableSize) {
                throw error("field at table offset " + off + " (" + size + " bytes) outside the table of "
                        + tableSize + " bytes", pos + off, p);
            }
            checkAlignment(pos + off, size, "field", p);
            return pos + off;
        }

        /**
         * Checks a scalar field of {@code size} bytes (1, 2, 4 or 8) lies inside the table.
         *
         * @return whether it is present
         */
        public boolean scalar(int slot, String name, int size) throws ModelFormatException {
            if (size != 1 && size != 2 && size != 4 && size != 8) {
                throw new IllegalArgumentException("scalar size " + size);
            }
            return field(slot, name, size) >= 0;
        }

        /**
         * Checks an inline struct field of {@code size} bytes with alignment {@code align}.
         *
         * @return whether it is present
         */
        public boolean struct(int slot, String name, int size, int align) throws ModelFormatException {
            int off = fieldOffset(slot);
            if (off == 0) {
                return false;
            }
            String p = path + "." + name;
            if (off + size > tableSize) {
                throw error("struct at table offset " + off + " outside the table of " + tableSize + " bytes",
                        pos + off, p);
            }
            checkAlignment(pos + off, align, "struct", p);
            return true;
        }

        /** The sub-table in field {@code slot}, verified, or null when absent. */
        public Table table(int slot, String name) throws ModelFormatException {
            int at = field(slot, name, SIZE_UOFFSET);
            if (at < 0) {
                return null;
            }
            String p = path + "." + name;
            return FlatBufferVerifier.this.table(followOffset(at, p), p, depth + 1);
        }

        /** The string in field {@code slot}, verified and decoded, or null when absent. */
        public String string(int slot, String name) throws ModelFormatException {
            int at = field(slot, name, SIZE_UOFFSET);
            if (at < 0) {
                return null;
            }
            String p = path + "." + name;
            return verifyString(followOffset(at, p), p);
        }

        /**
         * The vector in field {@code slot} of elements of {@code elementSize} bytes, verified to
         * fit the buffer, or null when absent.
         */
        public Vector vector(int slot, String name, int elementSize) throws ModelFormatException {
            int at = field(slot, name, SIZE_UOFFSET);
            if (at < 0) {
                return null;
            }
            String p = path + "." + name;
            return verifyVector(followOffset(at, p), elementSize, p);
        }

        /** The vector of tables in field {@code slot}: every element verified; null when absent. */
        public Table[] tables(int slot, String name) throws ModelFormatException {
            Vector v = vector(slot, name, SIZE_UOFFSET);
            if (v == null) {
                return null;
            }
            Table[] out = new Table[v.length()];
            for (int i = 0; i < out.length; i++) {
                String p = path + "." + name + "[" + i + "]";
                out[i] = FlatBufferVerifier.this.table(followOffset(v.elementPosition(i), p), p, depth + 1);
            }
            return out;
        }

        /** The vector of strings in field {@code slot}, verified and decoded; null when absent. */
        public String[] strings(int slot, String name) throws ModelFormatException {
            Vector v = vector(slot, name, SIZE_UOFFSET);
            if (v == null) {
                return null;
            }
            String[] out = new String[v.length()];
            for (int i = 0; i < out.length; i++) {
                String p = path + "." + name + "[" + i + "]";
                out[i] = verifyString(followOffset(v.elementPosition(i), p), p);
            }
            return out;
        }

        /**
         * A union stored in two slots: the type byte at {@code typeSlot} and the value table at
         * {@code typeSlot + 1}. Returns null when the type is 0 (NONE); otherwise the value
         * table, which must be present. The caller checks the type is one it knows.
         */
        public Union union(int typeSlot, String name) throws ModelFormatException {
            int at = field(typeSlot, name + "_type", 1);
            int type = at < 0 ? 0 : Byte.toUnsignedInt(bb.get(at));
            if (type == 0) {
                return null;
            }
            Table value = table(typeSlot + 1, name);
            if (value == null) {
                throw error("union type " + type + " set but its value is missing", pos, path + "." + name);
            }
            return new Union(type, value);
        }

        /** Reads a 1-byte unsigned field (checked inside the table), or {@code defaultValue} when absent. */
        public int ubyte(int slot, String name, int defaultValue) throws ModelFormatException {
            int at = field(slot, name, 1);
            return at < 0 ? defaultValue : Byte.toUnsignedInt(bb.get(at));
        }

        /** Reads a 4-byte int field, or {@code defaultValue} when absent. */
        public int int32(int slot, String name, int defaultValue) throws ModelFormatException {
            int at = field(slot, name, 4);
            return at < 0 ? defaultValue : bb.getInt(at);
        }

        /** A path error at this table, for checks the caller makes on values it read. */
        public ModelFormatException fail(String field, String what) {
            return error(what, pos, path + (field == null || field.isEmpty() ? "" : "." + field));
        }
    }

    /** A verified union value: its type code and table. */
    public record Union(int type, Table value) {
    }

    /** A verified vector: the length word and all elements are inside the buffer. */
    public static final class Vector {
        private final int lengthPosition;
        private final int length;
        private final int elementSize;
        private final String path;

        private Vector(int lengthPosition, int length, int elementSize, String path) {
            this.lengthPosition = lengthPosition;
            this.length = length;
            this.elementSize = elementSize;
            this.path = path;
        }

        /** Number of elements. */
        public int length() {
            return length;
        }

        /** Absolute position of element 0. */
        public int dataPosition() {
            return lengthPosition + SIZE_UOFFSET;
        }

        /** Absolute position of element {@code i}. */
        public int elementPosition(int i) {
            if (i < 0 || i >= length) {
                throw new IndexOutOfBoundsException(path + "[" + i + "] of " + length);
            }
            return dataPosition() + i * elementSize;
        }

        /** The vector's path. */
        public String path() {
            return path;
        }
    }

    private Vector verifyVector(int at, int elementSize, String path) throws ModelFormatException {
        checkRange(at, SIZE_UOFFSET, "vector length", path);
        checkAlignment(at, SIZE_UOFFSET, "vector length", path);
        long n = Integer.toUnsignedLong(bb.getInt(at));
        long bytes = n * elementSize;
        long remaining = (long) end - at - SIZE_UOFFSET;
        if (bytes > remaining) {
            throw error("vector of " + n + " elements x " + elementSize + " bytes exceeds the " + remaining
                    + " bytes that remain", at, path);
        }
        return new Vector(at, (int) n, elementSize, path);
    }

    private String verifyString(int at, String path) throws ModelFormatException {
        checkRange(at, SIZE_UOFFSET, "string length", path);
        checkAlignment(at, SIZE_UOFFSET, "string length", path);
        long n = Integer.toUnsignedLong(bb.getInt(at));
        long remaining = (long) end - at - SIZE_UOFFSET;
        if (n + 1 > remaining) {
            throw error("string of " + n + " bytes plus terminator exceeds the " + remaining + " bytes that remain",
                    at, path);
        }
        int data = at + SIZE_UOFFSET;
        if (bb.get(data + (int) n) != 0) {
            throw error("string is not NUL-terminated", data + (int) n, path);
        }
        byte[] b = new byte[(int) n];
        bb.duplicate().position(data).get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
