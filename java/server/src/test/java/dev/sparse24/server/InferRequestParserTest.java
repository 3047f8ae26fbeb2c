package dev.sparse24.server;

import dev.sparse24.graph.DType;
import dev.sparse24.runtime.TensorInfo;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request parser against hand-written bodies: every datatype rule, shape rule and error case. */
class InferRequestParserTest {
    static final List<TensorInfo> IN = List.of(new TensorInfo("x", new int[]{-1, 2, 3}, DType.FLOAT32));
    static final List<TensorInfo> OUT = List.of(new TensorInfo("y", new int[]{-1, 4}, DType.FLOAT32),
            new TensorInfo("z", new int[]{-1, 1}, DType.FLOAT32));
    final InferRequestParser parser = new InferRequestParser();

    InferRequest parse(String json) {
        return parser.parse(IN, OUT, json.getBytes(StandardCharsets.UTF_8), -1);
    }

    String error(String json) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> parse(json));
        assertEquals(400, e.status());
        return e.getMessage();
    }

    static float[] floats(FloatBuffer b) {
        float[] f = new float[b.remaining()];
        b.duplicate().get(f);
        return f;
    }

    @Test
    void flatAndNestedDataAreRowMajor() {
        InferRequest flat = parse("{\"id\":\"r1\",\"inputs\":[{\"name\":\"x\",\"shape\":[1,2,3],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4.5,-5e-1,6]}]}");
        InferRequest nested = parse("{\"inputs\":[{\"data\":[[[1,2,3],[4.5,-0.5,6]]],\"datatype\":\"FP32\","
                + "\"shape\":[1,2,3],\"name\":\"x\"}]}");
        float[] want = {1, 2, 3, 4.5f, -0.5f, 6};
        assertArrayEquals(want, floats((FloatBuffer) flat.inputs()[0]));
        assertArrayEquals(want, floats((FloatBuffer) nested.inputs()[0]));
        assertEquals("r1", flat.id());
        assertNull(nested.id());
        assertEquals(1, flat.batch());
        // No "outputs": every output, as JSON.
        assertEquals(List.of(new InferRequest.Output(0, false), new InferRequest.Output(1, false)), flat.outputs());
    }

    @Test
    void float32ValuesRoundTripExactly() {
        float v = 0.1f;
        InferRequest r = parse("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,2,3],\"datatype\":\"FP32\",\"data\":["
                + Float.toString(v) + ",0.10000000149011612,3.4028235E38,1.4E-45,-0,0]}]}");
        float[] got = floats((FloatBuffer) r.inputs()[0]);
        assertEquals(Float.floatToIntBits(v), Float.floatToIntBits(got[0]));
        assertEquals(Float.floatToIntBits(v), Float.floatToIntBits(got[1]));
        assertEquals(Float.MAX_VALUE, got[2]);
        assertEquals(Float.MIN_VALUE, got[3]);
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(got[4]));
    }

    @Test
    void requestedOutputsAndBinaryFlags() {
        InferRequest r = parse("{\"parameters\":{\"binary_data_output\":true},\"inputs\":[{\"name\":\"x\","
                + "\"shape\":[2,2,3],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6,7,8,9,10,11,12]}],"
                + "\"outputs\":[{\"name\":\"z\"},{\"name\":\"y\",\"parameters\":{\"binary_data\":false}}]}");
        assertEquals(2, r.batch());
        assertEquals(List.of(new InferRequest.Output(1, true), new InferRequest.Output(0, false)), r.outputs());
        assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,2,3],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6]}],"
                + "\"outputs\":[{\"name\":\"w\"}]}").contains("unknown output 'w'"));
    }

    @Test
    void binaryTensorData() {
        String json = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,2,3],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":24}}]}";
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(head.length + 24).order(ByteOrder.LITTLE_ENDIAN);
        body.put(head);
        float[] want = {1, -2, 3.25f, Float.NaN, 5, 6};
        for (float f : want) {
            body.putFloat(f);
        }
        InferRequest r = parser.parse(IN, OUT, body.array(), head.length);
        assertArrayEquals(want, floats((FloatBuffer) r.inputs()[0]));

        // A size that does not match the shape, data beyond the declared sizes, a header length
        // past the body, and binary data without the header are all 400s.
        String wrongSize = json.replace("24", "20");
        byte[] ws = ByteBuffer.allocate(wrongSize.length() + 20).put(wrongSize.getBytes(StandardCharsets.UTF_8)).array();
        assertTrue(assertThrows(ProtocolException.class, () -> parser.parse(IN, OUT, ws, wrongSize.length()))
                .getMessage().contains("is 24 bytes, binary_data_size is 20"));
        byte[] extra = ByteBuffer.allocate(head.length + 28).put(body.array()).array();
        assertTrue(assertThrows(ProtocolException.class, () -> parser.parse(IN, OUT, extra, head.length))
                .getMessage().contains("4 bytes of binary data after"));
        assertThrows(ProtocolException.class, () -> parser.parse(IN, OUT, body.array(), body.capacity() + 1));
        byte[] shortBody = java.util.Arrays.copyOf(body.array(), head.length + 10);
        assertTrue(assertThrows(ProtocolException.class, () -> parser.parse(IN, OUT, shortBody, head.length))
                .getMessage().contains("only 10 bytes"));
        assertTrue(assertThrows(ProtocolException.class, () -> parser.parse(IN, OUT, head, -1))
                .getMessage().contains("no Inference-Header-Content-Length"));
    }

    @Test
    void uint8AndInt8InputsTakeTheirRanges() {
        List<TensorInfo> u8 = List.of(new TensorInfo("p", new int[]{-1, 3}, DType.UINT8));
        List<TensorInfo> i8 = List.of(new TensorInfo("q", new int[]{-1, 3}, DType.INT8));
        InferRequest r = parser.parse(u8, OUT, "{\"inputs\":[{\"name\":\"p\",\"shape\":[1,3],\"datatype\":\"UINT8\",\"data\":[0,128,255]}]}"
                .getBytes(StandardCharsets.UTF_8), -1);
        ByteBuffer b = (ByteBuffer) r.inputs()[0];
        assertEquals(3, b.remaining());
        assertEquals(128, b.get(1) & 0xff);
        assertEquals(255, b.get(2) & 0xff);
        InferRequest s = parser.parse(i8, OUT, "{\"inputs\":[{\"name\":\"q\",\"shape\":[1,3],\"datatype\":\"INT8\",\"data\":[-128,0,127]}]}"
                .getBytes(StandardCharsets.UTF_8), -1);
        assertEquals(-128, ((ByteBuffer) s.inputs()[0]).get(0));
        for (String bad : new String[]{"256", "-1", "1.5"}) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> parser.parse(u8, OUT,
                    ("{\"inputs\":[{\"name\":\"p\",\"shape\":[1,3],\"datatype\":\"UINT8\",\"data\":[0," + bad + ",1]}]}")
                            .getBytes(StandardCharsets.UTF_8), -1));
            assertTrue(e.getMessage().contains("is not a UINT8 (0..255)"), e.getMessage());
        }
        assertThrows(ProtocolException.class, () -> parser.parse(i8, OUT,
                "{\"inputs\":[{\"name\":\"q\",\"shape\":[1,3],\"datatype\":\"INT8\",\"data\":[0,128,1]}]}"
                        .getBytes(StandardCharsets.UTF_8), -1));
        // UINT8 binary data is the bytes themselves.
        String json = "{\"inputs\":[{\"name\":\"p\",\"shape\":[1,3],\"datatype\":\"UINT8\",\"parameters\":{\"binary_data_size\":3}}]}";
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        byte[] body = java.util.Arrays.copyOf(head, head.length + 3);
        body[head.length + 2] = (byte) 200;
        assertEquals(200, ((ByteBuffer) parser.parse(u8, OUT, body, head.length).inputs()[0]).get(2) & 0xff);
    }

    @Test
    void errorsSayWhatAndWhere() {
        String ok = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,2,3],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6]}]}";
        assertEquals(1, parse(ok).batch());
        assertTrue(error(ok.replace("FP32", "FP99")).contains("unknown datatype 'FP99'"));
        assertTrue(error(ok.replace("FP32", "fp32")).contains("unknown datatype 'fp32'"));   // case-sensitive
        assertTrue(error(ok.replace("FP32", "FP64")).contains("datatype FP64, the model takes FP32"));
        assertTrue(error(ok.replace("[1,2,3],\"d", "[1,3,2],\"d")).contains("does not match the model's [-1, 2, 3]"));
        assertTrue(error(ok.replace("[1,2,3],\"d", "[0,2,3],\"d")).contains("does not match"));
        assertTrue(error(ok.replace("[1,2,3],\"d", "[-1,2,3],\"d")).contains("does not match"));
        assertTrue(error(ok.replace("[1,2,3],\"d", "[1,2,3,1],\"d")).contains("does not match"));
        assertTrue(error(ok.replace("[1,2,3],\"d", "[2,2,3],\"d")).contains("holds 12 values, \"data\" has 6"));
        assertTrue(error(ok.replace("5,6]", "5]")).contains("holds 6 values, \"data\" has 5"));
        assertTrue(error(ok.replace("\"x\"", "\"w\"")).contains("unknown input 'w'"));
        assertTrue(error("{\"inputs\":[]}").contains("takes 1 input(s) [x], given 0"));
        assertTrue(error(ok.replace("]}]}", "]},{\"name\":\"x\",\"shape\":[1,2,3],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6]}]}"))
                .contains("takes 1 input(s)"));
        assertTrue(error(ok.replace(",\"data\":[1,2,3,4,5,6]", "")).contains("neither \"data\" nor binary_data_size"));
        assertTrue(error(ok.replace("[1,2,3,4,5,6]", "[1,2,\"3\",4,5,6]")).contains("must hold numbers"));
        assertTrue(error(ok.replace("[1,2,3,4,5,6]", "[1,2,NaN,4,5,6]")).startsWith("malformed JSON"));
        assertTrue(error(ok.replace("\"shape\":[1,2,3],", "")).contains("has no \"shape\""));
        assertTrue(error(ok.replace("\"datatype\":\"FP32\",", "")).contains("has no \"datatype\""));
        assertTrue(error(ok.replace("[1,2,3],\"d", "[1.0,2,3],\"d")).contains("array of integers"));
        assertTrue(error(ok.replace("[1,2,3],\"d", "[99999999999999999999999,2,3],\"d")).contains("array of integers"));
        assertTrue(error(ok.replace("[1,2,3],\"d", "[2147483647,2,3],\"d")).contains("too large"));
        assertTrue(error(ok.substring(0, ok.length() - 3)).startsWith("malformed JSON"));
        assertTrue(error(ok + "x").startsWith("malformed JSON") || error(ok + "x").contains("after the request"));
        assertTrue(error("[]").contains("must be a JSON object"));
        assertTrue(error("").startsWith("the request must be"));
        assertTrue(error(ok.replace("{\"inputs\"", "{\"id\":5,\"inputs\"")).contains("\"id\" must be a string"));
        assertTrue(error("{\"parameters\":{\"binary_data_output\":1}," + ok.substring(1)).contains("must be a boolean"));
        assertTrue(error("{\"inputs\":[{\"name\":\"x\",\"data\":" + "[".repeat(40) + "]".repeat(40) + "}]}")
                .startsWith("malformed JSON"), "nesting is bounded");
        // Fields of other extensions are skipped, not refused.
        assertFalse(parse("{\"sequence\":{\"a\":[1,{\"b\":2}]}," + ok.substring(1)).outputs().isEmpty());
    }
}
