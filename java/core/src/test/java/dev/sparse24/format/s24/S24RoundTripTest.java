package dev.sparse24.format.s24;

import dev.sparse24.format.FlatBufferVerifier;
import dev.sparse24.format.s24.fb.Model;
import dev.sparse24.format.s24.fb.TwoFourWeights;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.OpOptions;
import dev.sparse24.graph.Operator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class S24RoundTripTest {
    /** Asserts two graphs hold identical tensors (bit-exact values), operators and metadata. */
    static void assertSameGraph(Graph a, Graph b) {
        assertEquals(a.tensors().size(), b.tensors().size());
        for (int i = 0; i < a.tensors().size(); i++) {
            GraphTensor x = a.tensor(i);
            GraphTensor y = b.tensor(i);
            String at = "tensor " + i + " " + x.name();
            assertEquals(x.name(), y.name(), at);
            assertArrayEquals(x.shape(), y.shape(), at);
            assertEquals(x.dtype(), y.dtype(), at);
            assertEquals(x.isConstant(), y.isConstant(), at);
            assertEquals(x.isCompressed(), y.isCompressed(), at);
            assertArrayEquals(x.intValues(), y.intValues(), at);
            float[] fx = x.floatValues();
            float[] fy = y.floatValues();
            if (fx == null) {
                assertNull(fy, at);
            } else {
                assertEquals(fx.length, fy.length, at);
                for (int k = 0; k < fx.length; k++) {
                    assertEquals(Float.floatToRawIntBits(fx[k]), Float.floatToRawIntBits(fy[k]), at + "[" + k + "]");
                }
            }
            if (x.isCompressed()) {
                assertArrayEquals(x.compressedValues().values(), y.compressedValues().values(), at);
                assertArrayEquals(x.compressedValues().metadata(), y.compressedValues().metadata(), at);
                assertEquals(x.compressedValues().cols(), y.compressedValues().cols(), at);
            }
        }
        assertEquals(a.operators().size(), b.operators().size());
        for (int k = 0; k < a.operators().size(); k++) {
            Operator p = a.operators().get(k);
            Operator q = b.operators().get(k);
            assertEquals(p.type(), q.type());
            assertArrayEquals(p.inputs(), q.inputs(), "op " + k);
            assertArrayEquals(p.outputs(), q.outputs(), "op " + k);
            OpOptions o = p.options();
            OpOptions r = q.options();
            assertArrayEquals(o.newShape(), r.newShape(), "op " + k);
            // Records compare arrays by reference: compare the rest with newShape neutralised.
            assertEquals(withoutShape(o), withoutShape(r), "op " + k);
        }
        assertArrayEquals(a.inputs(), b.inputs());
        assertArrayEquals(a.outputs(), b.outputs());
        assertEquals(a.metadata(), b.metadata());
    }

    private static OpOptions withoutShape(OpOptions o) {
        return new OpOptions(o.padding(), o.strideH(), o.strideW(), o.dilationH(), o.dilationW(), o.filterH(),
                o.filterW(), o.depthMultiplier(), o.activation(), o.beta(), o.keepDims(), null);
    }

    @Test
    void graphSurvivesTheFileUnchanged(@TempDir Path dir) throws Exception {
        Graph g = SampleGraphs.sample(1);
        assertSameGraph(g, S24Reader.read(S24Writer.toBytes(g)));
        Path f = dir.resolve("m.s24");
        S24Writer.write(g, f);
        assertSameGraph(g, S24Reader.read(f));
        // Writing what was read gives the same bytes: nothing is lost or reordered.
        assertArrayEquals(S24Writer.toBytes(g), S24Writer.toBytes(S24Reader.read(f)));
    }

    @Test
    void compressedBytesAreTheDocumentedLayout() throws Exception {
        Graph g = SampleGraphs.sample(2);
        byte[] file = S24Writer.toBytes(g);
        assertTrue(FlatBufferVerifier.hasIdentifier(ByteBuffer.wrap(file), "S24M"));
        Model m = Model.getRootAsModel(ByteBuffer.wrap(file));
        assertEquals(S24Writer.FORMAT_VERSION, m.formatVersion());
        GraphTensor dense = g.tensor(9);  // dense/kernel [10, 70]
        TwoFourWeights w = m.tensors(9).twoFour();
        assertEquals(10, w.rows());
        assertEquals(70, w.cols());
        assertEquals(72, w.paddedCols());
        // Decode the file's bytes as docs/format.md ("The 2:4 values and metadata") describes and compare with the dense matrix.
        float[] d = dense.floatValues();
        ByteBuffer values = w.valuesAsByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer meta = w.metadataAsByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
        int groupsPerRow = 18;
        for (int row = 0; row < 10; row++) {
            for (int gi = 0; gi < groupsPerRow; gi++) {
                long grp = (long) row * groupsPerRow + gi;
                int word = meta.getInt((int) (grp / 8) * 4);
                int code = (word >>> (4 * (grp % 8))) & 0xF;
                int lo = code & 3;
                int hi = code >> 2;
                assertTrue(lo < hi, "code " + code + " names two ordered positions");
                for (int c = 0; c < 4; c++) {
                    int col = 4 * gi + c;
                    float dv = col < 70 ? d[row * 70 + col] : 0f;
                    if (c == lo || c == hi) {
                        assertEquals(dv, values.getFloat((int) (grp * 2 + (c == lo ? 0 : 1)) * 4),
                                "row " + row + " group " + gi + " slot " + c);
                    } else {
                        assertEquals(0f, dv, "row " + row + " group " + gi + ": dropped position " + c + " must be zero");
                    }
                }
                if (col(gi, hi) >= 70) {
                    assertEquals(0f, values.getFloat((int) (grp * 2 + 1) * 4), "padding keeps zero");
                }
            }
        }
        assertEquals(0, (w.valuesAsByteBuffer().position() - 0) % 16, "values are 16-byte aligned");
    }

    @Test
    void workedExampleOfDocsFormatMd() throws Exception {
        // docs/format.md: the row [0, 1.5, 0, -2, 0, 0, 0, 0] stores values 1.5, -2, 0, 0 and
        // metadata word 0x444444ED.
        float[] row = {0, 1.5f, 0, -2, 0, 0, 0, 0};
        Graph g = new Graph(java.util.List.of(GraphTensor.compressed("w", new int[] {1, 8},
                dev.sparse24.sparse.CompressedWeights.compress(row, 1, 8))), java.util.List.of(), new int[0],
                new int[0], java.util.Map.of());
        TwoFourWeights w = Model.getRootAsModel(ByteBuffer.wrap(S24Writer.toBytes(g))).tensors(0).twoFour();
        ByteBuffer v = w.valuesAsByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1.5f, v.getFloat(0));
        assertEquals(-2f, v.getFloat(4));
        assertEquals(0f, v.getFloat(8));
        assertEquals(0f, v.getFloat(12));
        assertEquals(1, w.metadataLength());
        assertEquals(0x444444EDL, w.metadata(0));
    }

    private static int col(int group, int position) {
        return 4 * group + position;
    }

    @Test
    void compressedWeightsTakeAboutHalfTheDenseBytes() {
        Graph g = SampleGraphs.sample(3);
        int dense = S24Writer.toBytes(g).length;
        // The same graph with the 2:4 weights stored dense.
        java.util.List<GraphTensor> ts = new java.util.ArrayList<>(g.tensors());
        for (int i = 0; i < ts.size(); i++) {
            GraphTensor t = ts.get(i);
            if (t.isCompressed()) {
                ts.set(i, GraphTensor.constant(t.name(), t.shape(), dev.sparse24.tensor.Tensor.of(t.floatValues(), t.shape())));
            }
        }
        int uncompressed = S24Writer.toBytes(new Graph(ts, g.operators(), g.inputs(), g.outputs(), g.metadata())).length;
        // 2:4 weights: 2 kept values + 4 bits per group of 4 -> 2.125 B per (padded) weight vs 4.
        long saved = (8L * 36 + 10L * 70) * 4 - (8L * 36 + 10L * 72) * 17 / 8;
        // Each compressed tensor also carries a TwoFourWeights table and 16-byte alignment of its
        // two vectors: at most 64 bytes each.
        long overhead = saved - (uncompressed - dense);
        assertTrue(overhead >= 0 && overhead <= 2 * 64, uncompressed + " vs " + dense + ", expected saving " + saved);
    }
}
