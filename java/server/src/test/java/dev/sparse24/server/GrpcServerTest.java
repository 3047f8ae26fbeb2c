package dev.sparse24.server;

import com.google.protobuf.ByteString;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.batching.BatchingOptions;
import dev.sparse24.server.grpc.v2.GRPCInferenceServiceGrpc;
import dev.sparse24.server.grpc.v2.InferTensorContents;
import dev.sparse24.server.grpc.v2.ModelInferRequest;
import dev.sparse24.server.grpc.v2.ModelInferResponse;
import dev.sparse24.server.grpc.v2.ModelMetadataRequest;
import dev.sparse24.server.grpc.v2.ModelMetadataResponse;
import dev.sparse24.server.grpc.v2.ModelReadyRequest;
import dev.sparse24.server.grpc.v2.ServerLiveRequest;
import dev.sparse24.server.grpc.v2.ServerMetadataRequest;
import dev.sparse24.server.grpc.v2.ServerReadyRequest;
import dev.sparse24.testing.TutorialFixture;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gRPC endpoint as a KServe v2 gRPC client sees it, over loopback through grpc-java's own
 * client stub: every RPC, typed and raw tensors compared bit for bit with the same session run
 * directly, every error status, metrics, and seeded fuzzing of the request bytes and fields.
 */
@Timeout(180)
class GrpcServerTest {
    static SparseModel model;
    static InferenceSession reference;
    static ModelServer server;
    static ManagedChannel channel;
    static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
    static String input;
    static String output;

    @BeforeAll
    static void start() throws Exception {
        model = SparseModel.fromGraph(TutorialFixture.graph(7));
        reference = model.newSession(ModelServerTest.SESSION);
        input = model.inputs().get(0).name();
        output = model.outputs().get(0).name();
        server = ModelServer.start(ServerOptions.defaults().withPort(0).withGrpcPort(0).withMaxBodyBytes(1 << 20),
                List.of(new ModelServer.Model("mnist", model, ModelServerTest.SESSION, BatchingOptions.defaults(8)),
                        new ModelServer.Model("other", model, ModelServerTest.SESSION, BatchingOptions.defaults(1))));
        channel = channel(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.close();
        reference.close();
    }

    static ManagedChannel channel(ModelServer s) {
        return NettyChannelBuilder.forAddress(s.grpcAddress()).usePlaintext().maxInboundMessageSize(8 << 20).build();
    }

    static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub() {
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static ModelInferRequest typed(String model, float[] x, int batch) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (float v : x) {
            c.addFp32Contents(v);
        }
        return ModelInferRequest.newBuilder().setModelName(model).setId("t")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(input).setDatatype("FP32")
                        .addShape(batch).addShape(28).addShape(28).addShape(1).setContents(c)).build();
    }

    static ModelInferRequest raw(String model, float[] x, int batch) {
        ByteBuffer b = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        return ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(input).setDatatype("FP32")
                        .addShape(batch).addShape(28).addShape(28).addShape(1))
                .addRawInputContents(ByteString.copyFrom(b.array())).build();
    }

    static float[] fp32(ModelInferResponse r) {
        InferTensorContents c = r.getOutputs(0).getContents();
        float[] f = new float[c.getFp32ContentsCount()];
        for (int i = 0; i < f.length; i++) {
            f[i] = c.getFp32Contents(i);
        }
        return f;
    }

    static float[] rawFloats(ModelInferResponse r) {
        byte[] b = r.getRawOutputContents(0).toByteArray();
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    static Status status(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus();
    }

    static void assertStatus(Status.Code code, String contains, Runnable call) {
        Status s = status(call);
        assertEquals(code, s.getCode(), String.valueOf(s));
        assertTrue(s.getDescription() != null && s.getDescription().contains(contains), String.valueOf(s));
    }

    /** ModelInfer with a request of any bytes (what a broken or hostile client may send). */
    static final MethodDescriptor<byte[], byte[]> RAW_INFER = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName())
            .setRequestMarshaller(GrpcEndpoint.BYTES).setResponseMarshaller(GrpcEndpoint.BYTES).build();

    static byte[] sendBytes(byte[] request) {
        return ClientCalls.blockingUnaryCall(channel, RAW_INFER, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
                request);
    }

    @Test
    void healthAndMetadata() {
        assertTrue(stub().serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(stub().serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        var meta = stub().serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertEquals("sparse24", meta.getName());
        assertFalse(meta.getVersion().isEmpty());
        assertTrue(stub().modelReady(ModelReadyRequest.newBuilder().setName("mnist").build()).getReady());
        assertTrue(stub().modelReady(ModelReadyRequest.newBuilder().setName("other").setVersion("1").build()).getReady());
        ModelMetadataResponse m = stub().modelMetadata(ModelMetadataRequest.newBuilder().setName("mnist").build());
        assertEquals(ModelMetadataResponse.newBuilder().setName("mnist").addVersions("1").setPlatform("sparse24")
                .addInputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName(input).setDatatype("FP32")
                        .addShape(-1).addShape(28).addShape(28).addShape(1))
                .addOutputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName(output).setDatatype("FP32")
                        .addShape(-1).addShape(10)).build(), m);
        assertEquals(m, stub().modelMetadata(ModelMetadataRequest.newBuilder().setName("mnist").setVersion("1").build()));
        assertStatus(Status.Code.NOT_FOUND, "unknown model 'nope'",
                () -> stub().modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()));
        assertStatus(Status.Code.NOT_FOUND, "unknown model",
                () -> stub().modelReady(ModelReadyRequest.newBuilder().setName("nope").build()));
        assertStatus(Status.Code.NOT_FOUND, "no version '2'",
                () -> stub().modelReady(ModelReadyRequest.newBuilder().setName("mnist").setVersion("2").build()));
    }

    @Test
    void typedInferEqualsTheSessionBitForBit() {
        float[] x = ModelServerTest.image(1, 1);
        ModelInferResponse r = stub().modelInfer(typed("mnist", x, 1));
        assertEquals("mnist", r.getModelName());
        assertEquals("1", r.getModelVersion());
        assertEquals("t", r.getId());
        assertEquals(output, r.getOutputs(0).getName());
        assertEquals("FP32", r.getOutputs(0).getDatatype());
        assertEquals(List.of(1L, 10L), r.getOutputs(0).getShapeList());
        assertEquals(0, r.getRawOutputContentsCount());
        assertArrayEquals(reference.run(x, 1), fp32(r));
        float[] x3 = ModelServerTest.image(2, 3);
        ModelInferResponse r3 = stub().modelInfer(typed("mnist", x3, 3).toBuilder().setModelVersion("1").build());
        assertEquals(List.of(3L, 10L), r3.getOutputs(0).getShapeList());
        assertArrayEquals(reference.run(x3, 3), fp32(r3));
    }

    @Test
    void rawInputGivesRawOutput() {
        float[] x = ModelServerTest.image(3, 2);
        ModelInferResponse r = stub().modelInfer(raw("mnist", x, 2));
        assertEquals(1, r.getRawOutputContentsCount());
        assertFalse(r.getOutputs(0).hasContents());
        assertEquals(List.of(2L, 10L), r.getOutputs(0).getShapeList());
        assertArrayEquals(reference.run(x, 2), rawFloats(r));
        // Asking for the output by name: the same.
        ModelInferResponse named = stub().modelInfer(raw("mnist", x, 2).toBuilder()
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(output)).build());
        assertArrayEquals(rawFloats(r), rawFloats(named));
    }

    @Test
    void uint8ModelTakesUintContentsAndRawBytes() throws Exception {
        SparseModel u8;
        try (InputStream in = GrpcServerTest.class.getResourceAsStream("/dev/sparse24/format/tflite/uint8_input.tflite")) {
            u8 = SparseModel.fromBytes(in.readAllBytes());
        }
        String name = u8.inputs().get(0).name();
        byte[] px = new byte[784];
        new Random(12).nextBytes(px);
        try (ModelServer s = ModelServer.start(ServerOptions.defaults().withPort(0).withGrpcPort(0),
                List.of(new ModelServer.Model("u8", u8, ModelServerTest.SESSION, BatchingOptions.defaults(4))));
             InferenceSession ref = u8.newSession(ModelServerTest.SESSION)) {
            ManagedChannel ch = channel(s);
            try {
                var st = GRPCInferenceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
                assertEquals("UINT8", st.modelMetadata(ModelMetadataRequest.newBuilder().setName("u8").build())
                        .getInputs(0).getDatatype());
                InferTensorContents.Builder c = InferTensorContents.newBuilder();
                for (byte b : px) {
                    c.addUintContents(b & 0xff);
                }
                ModelInferRequest.InferInputTensor.Builder t = ModelInferRequest.InferInputTensor.newBuilder()
                        .setName(name).setDatatype("UINT8").addShape(1).addShape(28).addShape(28).addShape(1);
                float[] want = ref.run(px, 1);
                assertArrayEquals(want, fp32(st.modelInfer(ModelInferRequest.newBuilder().setModelName("u8")
                        .addInputs(t.clone().setContents(c)).build())));
                assertArrayEquals(want, rawFloats(st.modelInfer(ModelInferRequest.newBuilder().setModelName("u8")
                        .addInputs(t.clone()).addRawInputContents(ByteString.copyFrom(px)).build())));
                assertStatus(Status.Code.INVALID_ARGUMENT, "datatype FP32, the model takes UINT8",
                        () -> st.modelInfer(ModelInferRequest.newBuilder().setModelName("u8")
                                .addInputs(t.clone().setDatatype("FP32")).addRawInputContents(ByteString.copyFrom(px))
                                .build()));
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void badRequestsGetTheirStatusAndMessage() {
        float[] x = ModelServerTest.image(4, 1);
        ModelInferRequest ok = typed("mnist", x, 1);
        ModelInferRequest.InferInputTensor in = ok.getInputs(0);
        assertStatus(Status.Code.INVALID_ARGUMENT, "does not match the model's [-1, 28, 28, 1]",
                () -> stub().modelInfer(ok.toBuilder().setInputs(0, in.toBuilder().clearShape().addShape(1).addShape(28).addShape(28)).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "holds 1568 values, contents has 784",
                () -> stub().modelInfer(ok.toBuilder().setInputs(0, in.toBuilder().setShape(0, 2)).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "datatype INT32, the model takes FP32",
                () -> stub().modelInfer(ok.toBuilder().setInputs(0, in.toBuilder().setDatatype("INT32")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "unknown datatype 'FP17'",
                () -> stub().modelInfer(ok.toBuilder().setInputs(0, in.toBuilder().setDatatype("FP17")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "is 3136 bytes, raw_input_contents is 3135",
                () -> stub().modelInfer(raw("mnist", x, 1).toBuilder()
                        .setRawInputContents(0, ByteString.copyFrom(new byte[3135])).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "malformed ModelInferRequest",
                () -> sendBytes(new byte[]{0x0a, 0x7f, 0x01}));
        assertStatus(Status.Code.NOT_FOUND, "unknown model 'nope'", () -> stub().modelInfer(typed("nope", x, 1)));
        assertStatus(Status.Code.NOT_FOUND, "no version '7'",
                () -> stub().modelInfer(ok.toBuilder().setModelVersion("7").build()));
        // Over the 1 MiB message limit: grpc-java's RESOURCE_EXHAUSTED, before anything is parsed.
        Status big = status(() -> stub().modelInfer(raw("mnist", ModelServerTest.image(5, 400), 400)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, big.getCode(), big.toString());
        assertTrue(stub().serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertArrayEquals(reference.run(x, 1), fp32(stub().modelInfer(ok)));
    }

    @Test
    void metricsCountGrpcRequestsBesideHttp() throws Exception {
        float[] x = ModelServerTest.image(5, 1);
        stub().modelInfer(typed("other", x, 1));
        status(() -> stub().modelInfer(typed("other", x, 2)));
        String t = ModelServerTest.text(ModelServerTest.get(server, "/metrics"));
        assertTrue(Pattern.compile("sparse24_inference_requests_total\\{code=\"OK\",model=\"other\",protocol=\"grpc\"\\} [1-9]")
                .matcher(t).find(), t);
        assertTrue(Pattern.compile("sparse24_inference_requests_total\\{code=\"INVALID_ARGUMENT\",model=\"other\","
                + "protocol=\"grpc\"\\} [1-9]").matcher(t).find(), t);
        assertTrue(t.contains("sparse24_inference_request_duration_seconds_count{model=\"other\",protocol=\"grpc\"}"), t);
        assertTrue(Pattern.compile("sparse24_inference_failures_total\\{model=\"other\",reason=\"bad_request\"\\} [1-9]")
                .matcher(t).find(), t);
    }

    @Test
    void fuzzedRequestsAnswerAStatusAndTheServerStaysLive() {
        Random r = new Random(1204);
        Set<Status.Code> allowed = Set.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND);
        float[] x = ModelServerTest.image(10, 1);
        byte[][] valid = {typed("mnist", x, 1).toByteArray(), raw("mnist", x, 1).toByteArray()};
        int ok = 0;
        for (int i = 0; i < 300; i++) {
            byte[] body = InferRequestParserFuzzTest.mutate(r, valid[i % 2]);
            try {
                byte[] resp = sendBytes(body);
                assertTrue(resp.length > 0);
                ok++;
            } catch (StatusRuntimeException e) {
                assertTrue(allowed.contains(e.getStatus().getCode()), e.getStatus() + " for mutated bytes " + i);
            }
        }
        // Field values: shapes, datatypes, names, content lengths, raw entries, chosen at random.
        String[] types = {"FP32", "UINT8", "INT8", "FP16", "BYTES", "", "fp32"};
        for (int i = 0; i < 200; i++) {
            ModelInferRequest.Builder b = (r.nextBoolean() ? typed("mnist", x, 1) : raw("mnist", x, 1)).toBuilder();
            ModelInferRequest.InferInputTensor.Builder t = b.getInputsBuilder(0);
            switch (r.nextInt(8)) {
                case 0 -> t.setShape(r.nextInt(4), r.nextInt(5) - 1L << r.nextInt(40));
                case 1 -> t.setDatatype(types[r.nextInt(types.length)]);
                case 2 -> t.setName(r.nextBoolean() ? "" : "x" + r.nextInt(3));
                case 3 -> t.getContentsBuilder().addFp32Contents(r.nextFloat());
                case 4 -> b.addRawInputContents(ByteString.copyFrom(new byte[r.nextInt(4000)]));
                case 5 -> b.addInputs(t.build());
                case 6 -> t.getContentsBuilder().addUintContents(r.nextInt());
                default -> b.setModelName(r.nextBoolean() ? "other" : "mnist" + r.nextInt(2));
            }
            try {
                stub().modelInfer(b.build());
                ok++;
            } catch (StatusRuntimeException e) {
                assertTrue(allowed.contains(e.getStatus().getCode()), e.getStatus() + " for " + b);
            }
        }
        assertTrue(ok > 0);
        assertTrue(stub().serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertArrayEquals(reference.run(x, 1), fp32(stub().modelInfer(typed("mnist", x, 1))));
    }
}
