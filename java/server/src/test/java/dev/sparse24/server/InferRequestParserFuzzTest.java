package dev.sparse24.server;

import dev.sparse24.graph.DType;
import dev.sparse24.runtime.TensorInfo;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random mutations of valid bodies (byte flips, insertions, deletions, truncations,
 * splices of protocol tokens, random header lengths): the parser either returns a request whose
 * buffers hold exactly batch x sampleSize values, or throws a 400 ProtocolException - never any
 * other exception. The same loop runs against the live server in {@link ModelServerTest}.
 */
class InferRequestParserFuzzTest {
    static final List<TensorInfo> IN = List.of(new TensorInfo("x", new int[]{-1, 2, 3}, DType.FLOAT32),
            new TensorInfo("u", new int[]{-1, 2}, DType.UINT8));
    static final List<TensorInfo> OUT = List.of(new TensorInfo("y", new int[]{-1, 4}, DType.FLOAT32));
    static final String[] TOKENS = {"{", "}", "[", "]", ",", ":", "\"", "null", "true", "-1", "1e999", "0",
            "\"FP32\"", "\"UINT8\"", "\"shape\"", "\"data\"", "\"inputs\"", "\"binary_data_size\"", "\"parameters\"",
            "\"name\"", "\"x\"", "\"u\"", "9223372036854775807", "\\u0000", "\uD800", "[[[[", "]]]]", "1.5", "\"datatype\""};

    /** Valid bodies: JSON only, and JSON + binary (header length returned through {@code header}). */
    static byte[] valid(Random r, int kind, long[] header) {
        int batch = 1 + r.nextInt(3);
        StringBuilder x = new StringBuilder();
        for (int i = 0; i < batch * 6; i++) {
            x.append(i == 0 ? "" : ",").append(r.nextGaussian());
        }
        StringBuilder u = new StringBuilder();
        for (int i = 0; i < batch * 2; i++) {
            u.append(i == 0 ? "" : ",").append(r.nextInt(256));
        }
        if (kind == 0) {
            header[0] = -1;
            return ("{\"id\":\"q\",\"inputs\":[{\"name\":\"x\",\"shape\":[" + batch + ",2,3],\"datatype\":\"FP32\",\"data\":["
                    + x + "]},{\"name\":\"u\",\"shape\":[" + batch + ",2],\"datatype\":\"UINT8\",\"data\":[[" + u + "]]}],"
                    + "\"outputs\":[{\"name\":\"y\",\"parameters\":{\"binary_data\":true}}]}").getBytes(StandardCharsets.UTF_8);
        }
        String json = "{\"inputs\":[{\"name\":\"x\",\"shape\":[" + batch + ",2,3],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + batch * 24 + "}},{\"name\":\"u\",\"shape\":[" + batch
                + ",2],\"datatype\":\"UINT8\",\"parameters\":{\"binary_data_size\":" + batch * 2 + "}}]}";
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(head.length + batch * 26).order(ByteOrder.LITTLE_ENDIAN).put(head);
        for (int i = 0; i < batch * 6; i++) {
            b.putFloat((float) r.nextGaussian());
        }
        for (int i = 0; i < batch * 2; i++) {
            b.put((byte) r.nextInt());
        }
        header[0] = head.length;
        return b.array();
    }

    static byte[] mutate(Random r, byte[] body) {
        byte[] b = body;
        int n = 1 + r.nextInt(4);
        for (int m = 0; m < n; m++) {
            int at = b.length == 0 ? 0 : r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> {
                    if (b.length > 0) {
                        b = b.clone();
                        b[at] = (byte) r.nextInt(256);
                    }
                }
                case 1 -> b = splice(b, at, at + r.nextInt(Math.min(8, b.length - at) + 1), new byte[0]);
                case 2 -> b = splice(b, at, at, TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8));
                case 3 -> b = java.util.Arrays.copyOf(b, at);
                default -> {
                    int end = Math.min(b.length, at + r.nextInt(6));
                    b = splice(b, at, end, TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return b;
    }

    static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        byte[] out = new byte[b.length - (to - from) + insert.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(b, to, out, from + insert.length, b.length - to);
        return out;
    }

    @Test
    void mutatedBodiesParseOrGive400() {
        InferRequestParser parser = new InferRequestParser();
        Random r = new Random(20261203);
        int accepted = 0;
        int refused = 0;
        long[] header = new long[1];
        for (int i = 0; i < 30_000; i++) {
            byte[] body = mutate(r, valid(r, i % 2, header));
            long h = r.nextInt(10) == 0 ? r.nextInt(body.length + 8) - 4 : header[0];
            try {
                InferRequest req = parser.parse(IN, OUT, body, h);
                assertEquals(req.batch() * 6, req.inputs()[0].remaining());
                assertEquals(req.batch() * 2, req.inputs()[1].remaining());
                accepted++;
            } catch (ProtocolException e) {
                assertEquals(400, e.status());
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
                refused++;
            }
        }
        // Both outcomes occur, so the mutations reach past the first byte and some stay valid.
        assertTrue(accepted > 500 && refused > 5000, accepted + " accepted, " + refused + " refused");
    }
}
