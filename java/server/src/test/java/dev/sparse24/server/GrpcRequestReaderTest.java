package dev.sparse24.server;

import com.google.protobuf.ByteString;
import dev.sparse24.graph.DType;
import dev.sparse24.runtime.TensorInfo;
import dev.sparse24.server.grpc.v2.InferTensorContents;
import dev.sparse24.server.grpc.v2.ModelInferRequest;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ModelInferRequest to InferRequest without a network: typed contents of each datatype the
 * runtime takes, raw contents, the refusals with their messages, and seeded mutations of valid
 * request bytes (parsed or refused with a 400, never another exception).
 */
class GrpcRequestReaderTest {
    static final List<TensorInfo> IN = List.of(new TensorInfo("x", new int[]{-1, 2, 3}, DType.FLOAT32),
            new TensorInfo("u", new int[]{-1, 2}, DType.UINT8), new TensorInfo("i", new int[]{-1, 2}, DType.INT8));
    static final List<TensorInfo> OUT = List.of(new TensorInfo("y", new int[]{-1, 4}, DType.FLOAT32),
            new TensorInfo("z", new int[]{-1, 1}, DType.FLOAT32));

    static ModelInferRequest.InferInputTensor.Builder tensor(String name, String type, long... shape) {
        ModelInferRequest.InferInputTensor.Builder b = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(name).setDatatype(type);
        for (long d : shape) {
            b.addShape(d);
        }
        return b;
    }

    /** A valid typed request of batch {@code batch}. */
    static ModelInferRequest typed(Random r, int batch) {
        InferTensorContents.Builder x = InferTensorContents.newBuilder();
        for (int k = 0; k < batch * 6; k++) {
            x.addFp32Contents((float) r.nextGaussian());
        }
        InferTensorContents.Builder u = InferTensorContents.newBuilder();
        InferTensorContents.Builder i = InferTensorContents.newBuilder();
        for (int k = 0; k < batch * 2; k++) {
            u.addUintContents(r.nextInt(256));
            i.addIntContents(r.nextInt(256) - 128);
        }
        return ModelInferRequest.newBuilder().setModelName("m").setId("q")
                .addInputs(tensor("x", "FP32", batch, 2, 3).setContents(x))
                .addInputs(tensor("u", "UINT8", batch, 2).setContents(u))
                .addInputs(tensor("i", "INT8", batch, 2).setContents(i))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("z")).build();
    }

    /** A valid raw request of batch {@code batch}. */
    static ModelInferRequest raw(Random r, int batch) {
        ByteBuffer x = ByteBuffer.allocate(batch * 24).order(ByteOrder.LITTLE_ENDIAN);
        while (x.hasRemaining()) {
            x.putFloat((float) r.nextGaussian());
        }
        byte[] u = new byte[batch * 2];
        byte[] i = new byte[batch * 2];
        r.nextBytes(u);
        r.nextBytes(i);
        return ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(tensor("x", "FP32", batch, 2, 3)).addInputs(tensor("u", "UINT8", batch, 2))
                .addInputs(tensor("i", "INT8", batch, 2))
                .addRawInputContents(ByteString.copyFrom(x.array())).addRawInputContents(ByteString.copyFrom(u))
                .addRawInputContents(ByteString.copyFrom(i)).build();
    }

    static float[] floats(FloatBuffer b) {
        float[] f = new float[b.remaining()];
        b.duplicate().get(f);
        return f;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static String error(ModelInferRequest r) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> GrpcRequestReader.read(IN, OUT, r));
        assertEquals(400, e.status());
        return e.getMessage();
    }

    @Test
    void typedContentsOfEachType() {
        ModelInferRequest q = typed(new Random(1), 2);
        InferRequest r = GrpcRequestReader.read(IN, OUT, q);
        assertEquals(2, r.batch());
        assertEquals("q", r.id());
        float[] x = new float[12];
        for (int k = 0; k < 12; k++) {
            x[k] = q.getInputs(0).getContents().getFp32Contents(k);
        }
        assertArrayEquals(x, floats((FloatBuffer) r.inputs()[0]));
        byte[] u = bytes((ByteBuffer) r.inputs()[1]);
        byte[] i = bytes((ByteBuffer) r.inputs()[2]);
        for (int k = 0; k < 4; k++) {
            assertEquals(q.getInputs(1).getContents().getUintContents(k), u[k] & 0xff);
            assertEquals(q.getInputs(2).getContents().getIntContents(k), i[k]);
        }
        // Only the asked output, typed (the inputs were typed).
        assertEquals(List.of(new InferRequest.Output(1, false)), r.outputs());
    }

    @Test
    void rawContentsAreLittleEndianAndAnswerRaw() {
        ModelInferRequest q = raw(new Random(2), 3);
        InferRequest r = GrpcRequestReader.read(IN, OUT, q);
        assertEquals(3, r.batch());
        assertNull(r.id());
        float[] want = new float[18];
        ByteBuffer.wrap(q.getRawInputContents(0).toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(want);
        assertArrayEquals(want, floats((FloatBuffer) r.inputs()[0]));
        assertArrayEquals(q.getRawInputContents(2).toByteArray(), bytes((ByteBuffer) r.inputs()[2]));
        assertEquals(List.of(new InferRequest.Output(0, true), new InferRequest.Output(1, true)), r.outputs());
        // Parsed from bytes with aliasing, the same.
        InferRequest again = GrpcRequestReader.read(IN, OUT, GrpcRequestReader.parse(q.toByteArray()));
        assertArrayEquals(want, floats((FloatBuffer) again.inputs()[0]));
    }

    @Test
    void refusalsSayWhatIsWrong() {
        ModelInferRequest ok = typed(new Random(3), 1);
        ModelInferRequest rawOk = raw(new Random(3), 1);
        assertTrue(error(ok.toBuilder().setInputs(0, ok.getInputs(0).toBuilder().setShape(0, 2)).build())
                .contains("shape [2, 2, 3] holds 12 values, contents has 6"));
        assertTrue(error(ok.toBuilder().setInputs(0, ok.getInputs(0).toBuilder().clearShape().addShape(1).addShape(6))
                .build()).contains("does not match the model's [-1, 2, 3]"));
        assertTrue(error(ok.toBuilder().setInputs(0, ok.getInputs(0).toBuilder().setDatatype("FP16")).build())
                .contains("datatype FP16, the model takes FP32"));
        assertTrue(error(ok.toBuilder().setInputs(0, ok.getInputs(0).toBuilder().setDatatype("F32")).build())
                .contains("unknown datatype 'F32'"));
        assertTrue(error(ok.toBuilder().setInputs(0, ok.getInputs(0).toBuilder().setDatatype("")).build())
                .contains("has no \"datatype\""));
        assertTrue(error(ok.toBuilder().setInputs(0, ok.getInputs(0).toBuilder().setName("w")).build())
                .contains("unknown input 'w'"));
        assertTrue(error(ok.toBuilder().setInputs(2, ok.getInputs(1)).build()).contains("input 'u' given twice"));
        assertTrue(error(ok.toBuilder().removeInputs(2).build()).contains("the model takes 3 input(s)"));
        assertTrue(error(ok.toBuilder().setInputs(0, ok.getInputs(0).toBuilder().clearContents()).build())
                .contains("has neither contents nor raw_input_contents"));
        assertTrue(error(ok.toBuilder().setInputs(1, ok.getInputs(1).toBuilder().setContents(
                InferTensorContents.newBuilder().addIntContents(1).addIntContents(2))).build())
                .contains("UINT8 values go in uint_contents, the contents hold 2 values in other fields"));
        assertTrue(error(ok.toBuilder().setInputs(1, ok.getInputs(1).toBuilder().setContents(
                InferTensorContents.newBuilder().addUintContents(1).addUintContents(256))).build())
                .contains("value 256.0 at 1 is not a UINT8 (0..255)"));
        assertTrue(error(ok.toBuilder().setInputs(1, ok.getInputs(1).toBuilder().setContents(
                InferTensorContents.newBuilder().addUintContents(1).addUintContents(-1))).build())
                .contains("is not a UINT8"));        // uint32 0xffffffff, not -1
        assertTrue(error(ok.toBuilder().setInputs(2, ok.getInputs(2).toBuilder().setContents(
                InferTensorContents.newBuilder().addIntContents(-129).addIntContents(0))).build())
                .contains("is not a INT8 (-128..127)"));
        assertTrue(error(ok.toBuilder().setOutputs(0, ok.getOutputs(0).toBuilder().setName("v")).build())
                .contains("unknown output 'v'"));
        assertTrue(error(rawOk.toBuilder().setRawInputContents(0, ByteString.copyFrom(new byte[20])).build())
                .contains("is 24 bytes, raw_input_contents is 20"));
        assertTrue(error(rawOk.toBuilder().addRawInputContents(ByteString.EMPTY).build())
                .contains("raw_input_contents has 4 entries, the request has 3 inputs"));
        assertTrue(error(rawOk.toBuilder().setInputs(0, ok.getInputs(0)).build())
                .contains("has contents but the request has raw_input_contents"));
        ProtocolException bad = assertThrows(ProtocolException.class,
                () -> GrpcRequestReader.parse(new byte[]{(byte) 0x2a, (byte) 0xff}));
        assertTrue(bad.getMessage().startsWith("malformed ModelInferRequest"), bad.getMessage());
    }

    @Test
    void mutatedBytesParseOrGive400() {
        Random r = new Random(20261204);
        int accepted = 0;
        int refused = 0;
        for (int n = 0; n < 20_000; n++) {
            ModelInferRequest valid = n % 2 == 0 ? typed(r, 1 + r.nextInt(3)) : raw(r, 1 + r.nextInt(3));
            byte[] body = InferRequestParserFuzzTest.mutate(r, valid.toByteArray());
            try {
                InferRequest req = GrpcRequestReader.read(IN, OUT, GrpcRequestReader.parse(body));
                assertEquals(req.batch() * 6, req.inputs()[0].remaining());
                assertEquals(req.batch() * 2, req.inputs()[1].remaining());
                assertEquals(req.batch() * 2, req.inputs()[2].remaining());
                assertFalse(req.outputs().isEmpty());
                accepted++;
            } catch (ProtocolException e) {
                assertEquals(400, e.status());
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
                refused++;
            }
        }
        assertTrue(accepted > 500 && refused > 5000, accepted + " accepted, " + refused + " refused");
    }
}
