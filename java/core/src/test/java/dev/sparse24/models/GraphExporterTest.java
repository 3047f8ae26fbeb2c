package dev.sparse24.models;

import dev.sparse24.testing.TutorialFixture;
import dev.sparse24.format.tflite.TfliteReader;
import dev.sparse24.format.tflite.TfliteWriter;
import dev.sparse24.graph.FusedActivation;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;
import dev.sparse24.graph.Operator;
import dev.sparse24.ops.ReferenceEvaluator;
import dev.sparse24.nn.BatchNormalization;
import dev.sparse24.nn.Layer;
import dev.sparse24.nn.Parameter;
import dev.sparse24.nn.Sequential;
import dev.sparse24.prune.Pruning;
import dev.sparse24.prune.PruningParams;
import dev.sparse24.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tutorial model, pruned 2:4 by hand (no training: it would take minutes) and given
 * non-trivial BatchNorm statistics, exported to a Graph: the graph's structure is the
 * converter's, the reference evaluator reproduces {@code Sequential.forward(x, false)}, and a
 * .tflite round trip gives bit-identical outputs.
 */
class GraphExporterTest {
    static Sequential model;
    static Map<String, PruningParams> plan;
    static Tensor input;

    @BeforeAll
    static void buildPrunedTutorialModel() {
        Random rnd = new Random(11);
        TutorialFixture fixture = TutorialFixture.prunedByHand(7, rnd);
        plan = fixture.plan();
        model = fixture.model();
        for (Layer layer : model.layers()) {
            if (layer instanceof BatchNormalization bn) {
                // Moving statistics far from (0, 1) so that a wrong fold shows.
                List<Parameter> p = bn.parameters();
                for (int c = 0; c < p.get(0).size(); c++) {
                    p.get(0).value().set(c, 0.5f + rnd.nextFloat());
                    p.get(1).value().set(c, rnd.nextFloat() - 0.5f);
                    p.get(2).value().set(c, (rnd.nextFloat() - 0.5f) * 0.2f);
                    p.get(3).value().set(c, 0.2f + rnd.nextFloat());
                }
            }
        }
        float[] x = new float[3 * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        input = Tensor.of(x, 3, 28, 28, 1);
    }

    static String signature(Graph g) {
        return g.operators().stream().map(o -> o.type() + (o.options().activation() == FusedActivation.NONE ? ""
                : "(" + o.options().activation() + ")")).collect(Collectors.joining(" -> "));
    }

    @Test
    void graphHasTheConvertersStructure() {
        Graph g = GraphExporter.export(model, plan);
        assertEquals("CONV_2D(RELU) -> MAX_POOL_2D -> CONV_2D(RELU) -> MAX_POOL_2D -> RESHAPE -> "
                + "FULLY_CONNECTED(RELU) -> FULLY_CONNECTED", signature(g));
        List<String> compressed = g.compressedTensors().stream().map(GraphTensor::name).toList();
        // conv1 is pruned unstructured (and has one input channel); conv2 (in = 32) and dense1 hold 2:4.
        assertEquals(List.of("structural_pruning/kernel", "structural_pruning_dense/kernel"), compressed);
        Operator conv2 = g.operators().get(2);
        assertArrayEquals(new int[]{64, 5, 5, 32}, g.tensor(conv2.input(1)).shape());
        assertEquals("Sparse24", g.metadata().get("producer"));
        assertEquals("m_by_n 2:4", g.metadata().get("pruning/structural_pruning"));
        assertTrue(g.metadata().get("pruning/pruning_sparsity_0_5").contains("0.5"), g.metadata().toString());
    }

    @Test
    void evaluatorMatchesSequentialForward() {
        Graph g = GraphExporter.export(model, plan);
        float[] expected = model.forward(input, false).toArray();
        float[] actual = new ReferenceEvaluator(g).run(input).toArray();
        assertEquals(expected.length, actual.length);
        float scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, scale), "logit " + i);
        }
    }

    @Test
    void tfliteRoundTripGivesIdenticalOutputs() throws Exception {
        Graph g = GraphExporter.export(model, plan);
        byte[] bytes = TfliteWriter.toBytes(g);
        assertEquals("TFL3", new String(bytes, 4, 4, StandardCharsets.US_ASCII));
        Graph back = TfliteReader.read(bytes);
        assertEquals(signature(g), signature(back));
        assertEquals(2, back.compressedTensors().size(), "2:4 weights are compressed again on import");
        assertEquals("m_by_n 2:4", back.metadata().get("pruning/structural_pruning"));
        float[] before = new ReferenceEvaluator(g).run(input).toArray();
        float[] after = new ReferenceEvaluator(back).run(input).toArray();
        assertArrayEquals(before, after);
    }

    @Test
    void writtenFileFollowsTheConverterLayout() throws Exception {
        byte[] bytes = TfliteWriter.toBytes(GraphExporter.export(model, plan));
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        dev.sparse24.format.tflite.fb.Model m = dev.sparse24.format.tflite.fb.Model.getRootAsModel(bb);
        assertEquals(3, m.version());
        assertEquals(0, m.buffers(0).dataLength(), "buffers[0] is the empty buffer");
        dev.sparse24.format.tflite.fb.SubGraph sg = m.subgraphs(0);
        for (int i = 0; i < sg.tensorsLength(); i++) {
            dev.sparse24.format.tflite.fb.Tensor t = sg.tensors(i);
            if (t.buffer() != 0) {
                // Float data mapped in place needs the schema's 16-byte alignment.
                int pos = m.buffers((int) t.buffer()).dataAsByteBuffer().position();
                assertEquals(0, pos % 16, "data of " + t.name() + " at " + pos);
            }
        }
    }

    @Test
    void wrappedModelIsRefused() {
        Sequential wrapped = TutorialModel.build(true, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GraphExporter.export(wrapped, Pruning.plan(wrapped)));
        assertTrue(e.getMessage().contains("strip"), e.getMessage());
    }
}
