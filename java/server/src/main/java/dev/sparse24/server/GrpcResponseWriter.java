package dev.sparse24.server;

import com.google.protobuf.UnsafeByteOperations;
import dev.sparse24.runtime.TensorInfo;
import dev.sparse24.server.grpc.v2.InferTensorContents;
import dev.sparse24.server.grpc.v2.ModelInferResponse;
import dev.sparse24.server.grpc.v2.ModelMetadataResponse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes KServe v2 gRPC responses: a model's metadata and inference results, outputs FP32 with
 * shape {@code [batch, ...]}, as {@code raw_output_contents} (little-endian, in the order of the
 * outputs) for a request whose inputs came raw, as {@code fp32_contents} otherwise.
 */
final class GrpcResponseWriter {
    private GrpcResponseWriter() {
    }

    /** Name, versions, platform and tensors (batch dimension -1), as {@code GET /v2/models/NAME} says. */
    static ModelMetadataResponse metadata(String name, List<TensorInfo> inputs, List<TensorInfo> outputs) {
        ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(name)
                .addVersions(ServedModel.VERSION).setPlatform("sparse24");
        for (TensorInfo t : inputs) {
            b.addInputs(tensor(t));
        }
        for (TensorInfo t : outputs) {
            b.addOutputs(tensor(t));
        }
        return b.build();
    }

    private static ModelMetadataResponse.TensorMetadata tensor(TensorInfo t) {
        ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(t.name()).setDatatype(Datatype.of(t.dtype()).name());
        for (int d : t.shape()) {
            b.addShape(d);
        }
        return b.build();
    }

    /**
     * @param modelName the model's name
     * @param request   the request (id, outputs asked for; {@code binary} means raw here)
     * @param outputs   the model's outputs
     * @param results   one array per model output, {@code batch * sampleSize} floats each
     */
    static ModelInferResponse infer(String modelName, InferRequest request, List<TensorInfo> outputs,
                                    float[][] results) {
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(modelName)
                .setModelVersion(ServedModel.VERSION);
        if (request.id() != null) {
            b.setId(request.id());
        }
        for (InferRequest.Output o : request.outputs()) {
            TensorInfo info = outputs.get(o.index());
            float[] values = results[o.index()];
            ModelInferResponse.InferOutputTensor.Builder t = b.addOutputsBuilder().setName(info.name())
                    .setDatatype(Datatype.FP32.name()).addShape(request.batch());
            int[] shape = info.shape();
            for (int d = 1; d < shape.length; d++) {
                t.addShape(shape[d]);
            }
            if (o.binary()) {
                byte[] bytes = new byte[values.length * 4];
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
                b.addRawOutputContents(UnsafeByteOperations.unsafeWrap(bytes));   // bytes is ours alone
            } else {
                InferTensorContents.Builder c = t.getContentsBuilder();
                for (float v : values) {
                    c.addFp32Contents(v);
                }
            }
        }
        return b.build();
    }
}
