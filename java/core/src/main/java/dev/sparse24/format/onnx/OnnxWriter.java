package dev.sparse24.format.onnx;

import dev.sparse24.format.AtomicFiles;
import dev.sparse24.format.onnx.OnnxProto.GraphProto;
import dev.sparse24.format.onnx.OnnxProto.ModelProto;
import dev.sparse24.format.onnx.OnnxProto.OperatorSetIdProto;
import dev.sparse24.format.onnx.OnnxProto.StringStringEntryProto;
import dev.sparse24.graph.Graph;
import dev.sparse24.graph.GraphTensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a {@link Graph} (as the .s24 and .tflite readers produce it) as a standard ONNX model:
 * IR version {@value #IR_VERSION}, the default operator set at version {@value #OPSET_VERSION}.
 * ONNX Runtime, TensorRT and other ONNX consumers load the file and compute the same outputs
 * as Sparse24's runtime (tested against ONNX Runtime to 1e-4).
 *
 * <ul>
 *   <li>The model's input and output shapes are the graph's (NHWC images, e.g.
 *       {@code [N, 28, 28, 1]} in and {@code [N, 10]} out), with the batch as the symbolic
 *       dimension {@code N}; inside, convolutions and pools run NCHW (why: see
 *       {@code OnnxGraphBuilder}).</li>
 *   <li>2:4-compressed weights are written dense, their zeros included (ONNX has no 2:4
 *       storage): the pattern survives the export (along the input channels of each conv
 *       filter and the input dimension of each dense weight), so TensorRT built with
 *       {@code --sparsity=enable} runs them on sparse tensor cores.</li>
 *   <li>Fused activations become their own nodes (Relu, Clip, Tanh); TFLite's SAME padding is
 *       written as explicit pads (the odd cell after).</li>
 *   <li>The graph's metadata (producer, per-layer pruning parameters) goes to
 *       {@code metadata_props}.</li>
 * </ul>
 *
 * <p>Every operator type of {@link dev.sparse24.graph.OpType} is exported; a graph whose
 * operators do not fit their operands (as {@link dev.sparse24.graph.ShapeInference} checks), or
 * that ONNX cannot hold, is refused with an {@link OnnxExportException} naming the operator.
 */
public final class OnnxWriter {
    /** The ONNX operator set version the model imports (opset 17 needs IR version 8). */
    public static final int OPSET_VERSION = 17;
    /** The ONNX IR version written. */
    public static final int IR_VERSION = 8;
    /** {@code producer_name} of the models written. */
    public static final String PRODUCER = "Sparse24";

    // Protobuf messages are limited to 2 GiB; leave room for everything but the weights.
    private static final long MAX_WEIGHT_BYTES = (1L << 31) - (1L << 24);

    private OnnxWriter() {
    }

    /**
     * The ONNX model of {@code graph}.
     *
     * @throws OnnxExportException when an operator cannot be exported (the message names its
     *                             index and type, and why) or the weights exceed what one
     *                             protobuf file can hold
     */
    public static ModelProto toModel(Graph graph) throws OnnxExportException {
        long weightBytes = 0;
        for (GraphTensor t : graph.tensors()) {
            if (t.isConstant()) {
                long n = 1;
                for (int d : t.shape()) {
                    n *= d;
                }
                weightBytes += n * 8;   // int64 for the widest (shapes); floats take 4
            }
        }
        if (weightBytes > MAX_WEIGHT_BYTES) {
            throw new OnnxExportException("cannot export to ONNX: the constants take up to " + weightBytes
                    + " bytes, more than the 2 GiB one ONNX protobuf file can hold (external data is not supported)");
        }
        GraphProto g = OnnxGraphBuilder.build(graph, graph.metadata().getOrDefault("name", "sparse24"));
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(PRODUCER)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET_VERSION))
                .setDocString("Exported by Sparse24. Input and output in the source model's layout (NHWC images);"
                        + " convolutions run NCHW inside. 2:4 weights are stored dense with their zeros.")
                .setGraph(g);
        String version = OnnxWriter.class.getPackage().getImplementationVersion();
        if (version != null) {
            m.setProducerVersion(version);
        }
        for (Map.Entry<String, String> e : graph.metadata().entrySet()) {
            m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return m.build();
    }

    /** The ONNX file's bytes for {@code graph}; see {@link #toModel}. */
    public static byte[] toBytes(Graph graph) throws OnnxExportException {
        return toModel(graph).toByteArray();
    }

    /**
     * Writes {@code graph} as an ONNX file, atomically ({@link AtomicFiles}): a failed or killed
     * write leaves the previous file, or none. Nothing is written when the export fails.
     *
     * @throws OnnxExportException when the graph cannot be exported ({@link #toModel})
     * @throws IOException         when the file cannot be written
     */
    public static void write(Graph graph, Path path) throws IOException, OnnxExportException {
        ModelProto model = toModel(graph);
        AtomicFiles.write(path, model::writeTo);
    }
}
