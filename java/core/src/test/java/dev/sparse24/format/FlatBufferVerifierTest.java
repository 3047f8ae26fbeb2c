package dev.sparse24.format;

import com.google.flatbuffers.FlatBufferBuilder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Buffers built with flatbuffers-java's own builder (an independent writer), then corrupted
 * byte by byte where the layout is known.
 *
 * <p>Schema used: {@code table Root { name:string; items:[Item]; data:[float]; child:Item;
 * kind_type:ubyte; kind:Item (union slot 5); count:int; }} and {@code table Item { id:int;
 * tag:string; }}.
 */
class FlatBufferVerifierTest {
    private static final int NAME = 0, ITEMS = 1, DATA = 2, CHILD = 3, KIND = 4, COUNT = 6;

    private static int item(FlatBufferBuilder b, int id, String tag) {
        int t = b.createString(tag);
        b.startTable(2);
        b.addInt(0, id, 0);
        b.addOffset(1, t, 0);
        return b.endTable();
    }

    /** A valid buffer; also returns positions of interest through the builder's layout. */
    private static ByteBuffer sample() {
        FlatBufferBuilder b = new FlatBufferBuilder(64);
        int name = b.createString("root");
        int i0 = item(b, 7, "seven");
        int i1 = item(b, 8, "eight");
        int items = b.createVectorOfTables(new int[] {i0, i1});
        int data = b.createVectorOfTables(new int[0]);
        b.startVector(4, 3, 4);
        // The builder writes back to front: add the last element first.
        for (float f : new float[] {1f, 2f, 3f}) {
            b.addFloat(f);
        }
        data = b.endVector();
        int child = item(b, 9, "child");
        int kind = item(b, 10, "kind");
        b.startTable(7);
        b.addOffset(NAME, name, 0);
        b.addOffset(ITEMS, items, 0);
        b.addOffset(DATA, data, 0);
        b.addOffset(CHILD, child, 0);
        b.addByte(KIND, (byte) 1, 0);
        b.addOffset(KIND + 1, kind, 0);
        b.addInt(COUNT, 42, 0);
        int root = b.endTable();
        b.finish(root, "TEST");
        return ByteBuffer.wrap(b.sizedByteArray());
    }

    private static byte[] bytes(ByteBuffer bb) {
        byte[] a = new byte[bb.remaining()];
        bb.duplicate().get(a);
        return a;
    }

    /** Walks the whole sample schema, as a reader would. */
    private static void walk(ByteBuffer bb) throws ModelFormatException {
        FlatBufferVerifier v = new FlatBufferVerifier(bb);
        FlatBufferVerifier.Table root = v.root("Root", "TEST");
        root.string(NAME, "name");
        FlatBufferVerifier.Table[] items = root.tables(ITEMS, "items");
        if (items != null) {
            for (FlatBufferVerifier.Table it : items) {
                it.scalar(0, "id", 4);
                it.string(1, "tag");
            }
        }
        root.vector(DATA, "data", 4);
        FlatBufferVerifier.Table child = root.table(CHILD, "child");
        if (child != null) {
            child.string(1, "tag");
        }
        FlatBufferVerifier.Union u = root.union(KIND, "kind");
        if (u != null) {
            u.value().string(1, "tag");
        }
        root.scalar(COUNT, "count", 4);
    }

    @Test
    void acceptsAValidBufferAndReadsItsFields() throws Exception {
        ByteBuffer bb = sample();
        FlatBufferVerifier v = new FlatBufferVerifier(bb);
        FlatBufferVerifier.Table root = v.root("Root", "TEST");
        assertEquals("root", root.string(NAME, "name"));
        FlatBufferVerifier.Table[] items = root.tables(ITEMS, "items");
        assertEquals(2, items.length);
        assertEquals(7, items[0].int32(0, "id", -1));
        assertEquals("eight", items[1].string(1, "tag"));
        assertEquals("Root.items[1]", items[1].path());
        FlatBufferVerifier.Vector data = root.vector(DATA, "data", 4);
        assertEquals(3, data.length());
        ByteBuffer le = bb.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3f, le.getFloat(data.elementPosition(0)));
        assertEquals(1f, le.getFloat(data.elementPosition(2)));
        FlatBufferVerifier.Union u = root.union(KIND, "kind");
        assertEquals(1, u.type());
        assertEquals("kind", u.value().string(1, "tag"));
        assertEquals(42, root.int32(COUNT, "count", 0));
        assertEquals(-5, root.int32(9, "absent", -5));
        assertNull(root.table(9, "absent"));
        assertEquals(4, v.tablesVisited()); // root, items[0], items[1], kind
        walk(bb);
    }

    @Test
    void fileIdentifierIsChecked() {
        ByteBuffer bb = sample();
        assertTrue(FlatBufferVerifier.hasIdentifier(bb, "TEST"));
        assertFalse(FlatBufferVerifier.hasIdentifier(bb, "TFL3"));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> new FlatBufferVerifier(bb).root("Root", "S24M"));
        assertTrue(e.getMessage().contains("\"TEST\"") && e.getMessage().contains("S24M"), e.getMessage());
        assertFalse(FlatBufferVerifier.hasIdentifier(ByteBuffer.allocate(3), "TEST"));
    }

    @Test
    void everyTruncationIsRejectedWithAMessage() {
        byte[] full = bytes(sample());
        for (int n = 0; n < full.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(full, n);
            try {
                walk(ByteBuffer.wrap(cut));
                // Accepted: then only trailing alignment padding (under 4 zero bytes) was cut.
                assertTrue(full.length - n < 4, "length " + n + " accepted");
                for (int i = n; i < full.length; i++) {
                    assertEquals(0, full[i], "cut byte " + i + " was not padding");
                }
            } catch (ModelFormatException expected) {
                assertFalse(expected.getMessage().isEmpty());
            }
        }
        assertThrows(ModelFormatException.class, () -> walk(ByteBuffer.wrap(java.util.Arrays.copyOf(full, full.length - 4))));
    }

    @Test
    void rootOffsetPastTheEnd() {
        byte[] a = bytes(sample());
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putInt(0, a.length + 100);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> walk(ByteBuffer.wrap(a)));
        assertTrue(e.getMessage().contains("past the end") && e.getMessage().contains("at byte 0"), e.getMessage());
    }

    @Test
    void negativeAndZeroOffsetsAreRejected() {
        byte[] a = bytes(sample());
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putInt(0, -8);
        assertThrows(ModelFormatException.class, () -> walk(ByteBuffer.wrap(a)));
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0);
        assertThrows(ModelFormatException.class, () -> walk(ByteBuffer.wrap(a)));
    }

    @Test
    void vectorLengthBeyondTheBufferNamesThePath() throws Exception {
        ByteBuffer bb = sample();
        FlatBufferVerifier.Vector data = new FlatBufferVerifier(bb).root("Root", "TEST").vector(DATA, "data", 4);
        byte[] a = bytes(bb);
        int lengthAt = data.dataPosition() - 4;
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putInt(lengthAt, 0x7fffffff);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> walk(ByteBuffer.wrap(a)));
        assertTrue(e.getMessage().startsWith("Root.data:") && e.getMessage().contains("at byte " + lengthAt),
                e.getMessage());
        // An unsigned length of 2^32-1 must not wrap around when multiplied by the element size.
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putInt(lengthAt, -1);
        assertThrows(ModelFormatException.class, () -> walk(ByteBuffer.wrap(a)));
    }

    @Test
    void stringWithoutTerminatorOrTooLong() throws Exception {
        ByteBuffer bb = sample();
        byte[] a = bytes(bb);
        // Find "root" followed by NUL and clear the terminator.
        int at = indexOf(a, "root\0".getBytes());
        a[at + 4] = 'x';
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> walk(ByteBuffer.wrap(a)));
        assertTrue(e.getMessage().startsWith("Root.name:") && e.getMessage().contains("NUL"), e.getMessage());
        a[at + 4] = 0;
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putInt(at - 4, 1 << 30);
        e = assertThrows(ModelFormatException.class, () -> walk(ByteBuffer.wrap(a)));
        assertTrue(e.getMessage().startsWith("Root.name:"), e.getMessage());
    }

    @Test
    void pathsReachNestedElements() throws Exception {
        ByteBuffer bb = sample();
        byte[] a = bytes(bb);
        int at = indexOf(a, "eight\0".getBytes());
        a[at + 5] = 'x';
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> walk(ByteBuffer.wrap(a)));
        assertTrue(e.getMessage().startsWith("Root.items[1].tag:"), e.getMessage());
    }

    @Test
    void badVtableSizesAndSoffsets() throws Exception {
        ByteBuffer bb = sample();
        int rootPos = new FlatBufferVerifier(bb).root("Root", "TEST").position();
        ByteBuffer le = bb.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int vt = rootPos - le.getInt(rootPos);
        byte[] a = bytes(bb);
        ByteBuffer w = ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
        w.putShort(vt, (short) 3);
        assertTrue(message(a).contains("vtable size 3"), message(a));
        w.putShort(vt, (short) 0xfffe);
        assertTrue(message(a).contains("vtable"), message(a));
        w.putShort(vt, le.getShort(vt));
        w.putShort(vt + 2, (short) 0xfff0);
        assertTrue(message(a).contains("table ["), message(a));
        w.putShort(vt + 2, le.getShort(vt + 2));
        w.putInt(rootPos, Integer.MIN_VALUE);
        assertTrue(message(a).contains("vtable"), message(a));
        w.putInt(rootPos, le.getInt(rootPos));
        // A field offset pointing past the table's size.
        w.putShort(vt + 4 + 2 * COUNT, (short) (le.getShort(vt + 2) + 4));
        assertTrue(message(a).contains("Root.count") && message(a).contains("outside the table"), message(a));
        walk(sample());
    }

    @Test
    void misalignedOffsetsAreRejected() throws Exception {
        ByteBuffer bb = sample();
        byte[] a = bytes(bb);
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putInt(0, ByteBuffer.wrap(a)
                .order(ByteOrder.LITTLE_ENDIAN).getInt(0) + 1);
        assertTrue(message(a).contains("misaligned"), message(a));
    }

    @Test
    void unionWithTypeButNoValue() {
        FlatBufferBuilder b = new FlatBufferBuilder(64);
        b.startTable(7);
        b.addByte(KIND, (byte) 3, 0);
        int root = b.endTable();
        b.finish(root, "TEST");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> walk(b.dataBuffer()));
        assertTrue(e.getMessage().startsWith("Root.kind:") && e.getMessage().contains("type 3"), e.getMessage());
    }

    @Test
    void depthAndTableCountAreBounded() throws Exception {
        // A chain of 10 nested tables through slot 0.
        FlatBufferBuilder b = new FlatBufferBuilder(64);
        int inner = 0;
        for (int i = 0; i < 10; i++) {
            b.startTable(1);
            if (i > 0) {
                b.addOffset(0, inner, 0);
            }
            inner = b.endTable();
        }
        b.finish(inner);
        ByteBuffer bb = b.dataBuffer();
        descend(new FlatBufferVerifier(bb, 10, 100).root("Chain", null));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> descend(new FlatBufferVerifier(bb, 9, 100).root("Chain", null)));
        assertTrue(e.getMessage().contains("deeper than 9") && e.getMessage().contains("Chain.next.next"),
                e.getMessage());
        e = assertThrows(ModelFormatException.class,
                () -> descend(new FlatBufferVerifier(bb, 64, 5).root("Chain", null)));
        assertTrue(e.getMessage().contains("more than 5 tables"), e.getMessage());
    }

    @Test
    void sharedSubtreesCountEachVisit() throws Exception {
        // One item referenced 1000 times: a small file that would make a naive walker loop long.
        FlatBufferBuilder b = new FlatBufferBuilder(64);
        int it = item(b, 1, "x");
        int[] refs = new int[1000];
        java.util.Arrays.fill(refs, it);
        int items = b.createVectorOfTables(refs);
        b.startTable(7);
        b.addOffset(ITEMS, items, 0);
        b.finish(b.endTable(), "TEST");
        ByteBuffer bb = b.dataBuffer();
        assertEquals(1000, new FlatBufferVerifier(bb).root("Root", "TEST").tables(ITEMS, "items").length);
        assertThrows(ModelFormatException.class,
                () -> new FlatBufferVerifier(bb, 64, 500).root("Root", "TEST").tables(ITEMS, "items"));
    }

    @Test
    void honoursTheBufferPosition() throws Exception {
        byte[] a = bytes(sample());
        byte[] shifted = new byte[a.length + 8];
        System.arraycopy(a, 0, shifted, 8, a.length);
        ByteBuffer bb = ByteBuffer.wrap(shifted);
        bb.position(8);
        walk(bb);
        assertEquals("root", new FlatBufferVerifier(bb).root("Root", "TEST").string(NAME, "name"));
    }

    @Test
    void stringVectorsDecode() throws Exception {
        FlatBufferBuilder b = new FlatBufferBuilder(64);
        int s = b.createVectorOfTables(new int[] {b.createString("a"), b.createString("bc")});
        b.startTable(1);
        b.addOffset(0, s, 0);
        b.finish(b.endTable());
        assertArrayEquals(new String[] {"a", "bc"},
                new FlatBufferVerifier(b.dataBuffer()).root("R", null).strings(0, "names"));
    }

    private static void descend(FlatBufferVerifier.Table t) throws ModelFormatException {
        while (t != null) {
            t = t.table(0, "next");
        }
    }

    private static String message(byte[] a) {
        return assertThrows(ModelFormatException.class, () -> walk(ByteBuffer.wrap(a))).getMessage();
    }

    private static int indexOf(byte[] a, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= a.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (a[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }
}
