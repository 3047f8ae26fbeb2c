package dev.sparse24.server;

import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.InferenceSession;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.batching.BatchingOptions;
import dev.sparse24.testing.TutorialFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import dev.sparse24.testing.StallingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server over HTTP, as a v2 client sees it: every endpoint, JSON and binary tensors, each
 * error status, metrics, overload, failures and graceful shutdown. Results are compared with
 * the same session options run directly, bit for bit (a request alone forms a batch of its own).
 */
@Timeout(180)
class ModelServerTest {
    static final SessionOptions SESSION = SessionOptions.defaults().withDevice(Device.CPU).withThreads(1).withMaxBatch(8);
    static SparseModel model;
    static InferenceSession reference;
    static ModelServer server;
    static String input;
    static String output;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        model = SparseModel.fromGraph(TutorialFixture.graph(7));
        reference = model.newSession(SESSION);
        input = model.inputs().get(0).name();
        output = model.outputs().get(0).name();
        server = ModelServer.start(ServerOptions.defaults().withPort(0).withMaxBodyBytes(1 << 20),
                List.of(new ModelServer.Model("mnist", model, SESSION, BatchingOptions.defaults(8)),
                        new ModelServer.Model("other", model, SESSION, BatchingOptions.defaults(1))));
    }

    @AfterAll
    static void stop() {
        server.close();
        reference.close();
    }

    static float[] image(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    static String jsonBody(float[] x, int batch, String extra) {
        StringBuilder b = new StringBuilder("{\"id\":\"t\",\"inputs\":[{\"name\":\"" + input + "\",\"shape\":[" + batch
                + ",28,28,1],\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < x.length; i++) {
            b.append(i == 0 ? "" : ",").append(x[i]);
        }
        return b.append("]}]").append(extra).append("}").toString();
    }

    static HttpResponse<byte[]> get(ModelServer s, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static HttpResponse<byte[]> post(ModelServer s, String path, byte[] body, Long headerLength) throws Exception {
        return postAsync(s, path, body, headerLength).get(60, TimeUnit.SECONDS);
    }

    static CompletableFuture<HttpResponse<byte[]>> postAsync(ModelServer s, String path, byte[] body, Long headerLength) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", "application/json");
        if (headerLength != null) {
            b.header("Inference-Header-Content-Length", headerLength.toString());
        }
        return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /** The "data" floats of the first output of a JSON response. */
    static float[] data(String json) {
        Matcher m = Pattern.compile("\"data\":\\[([^\\]]*)\\]").matcher(json);
        assertTrue(m.find(), json);
        String[] parts = m.group(1).split(",");
        float[] f = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            f[i] = Float.parseFloat(parts[i]);
        }
        return f;
    }

    static void assertError(HttpResponse<byte[]> r, int status, String contains) {
        assertEquals(status, r.statusCode(), text(r));
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertTrue(text(r).startsWith("{\"error\":\"") && text(r).contains(contains), text(r));
    }

    @Test
    void healthAndMetadata() throws Exception {
        assertEquals(200, get(server, "/v2/health/live").statusCode());
        assertEquals(200, get(server, "/v2/health/ready").statusCode());
        String meta = text(get(server, "/v2"));
        assertTrue(meta.contains("\"name\":\"sparse24\"") && meta.contains("\"extensions\":[\"binary_tensor_data\"]"), meta);
        HttpResponse<byte[]> m = get(server, "/v2/models/mnist");
        assertEquals(200, m.statusCode());
        assertEquals("{\"name\":\"mnist\",\"versions\":[\"1\"],\"platform\":\"sparse24\",\"inputs\":[{\"name\":\"" + input
                + "\",\"datatype\":\"FP32\",\"shape\":[-1,28,28,1]}],\"outputs\":[{\"name\":\"" + output
                + "\",\"datatype\":\"FP32\",\"shape\":[-1,10]}]}", text(m));
        assertEquals(text(m), text(get(server, "/v2/models/mnist/versions/1")));
        assertEquals(200, get(server, "/v2/models/mnist/ready").statusCode());
        assertEquals(200, get(server, "/v2/models/other/versions/1/ready").statusCode());
        assertError(get(server, "/v2/models/nope"), 404, "unknown model 'nope'");
        assertError(get(server, "/v2/models/nope/ready"), 404, "unknown model");
        assertError(get(server, "/v2/models/mnist/versions/2"), 404, "no version '2'");
        assertError(get(server, "/v2/models/mnist/bogus"), 404, "no endpoint");
        assertError(get(server, "/v3"), 404, "no endpoint");
        assertError(get(server, "/v2/models/mnist/infer"), 405, "POST");
        assertError(post(server, "/v2/health/live", new byte[0], null), 405, "GET");
    }

    @Test
    void jsonInferEqualsTheSessionBitForBit() throws Exception {
        float[] x = image(1, 1);
        HttpResponse<byte[]> r = post(server, "/v2/models/mnist/infer", jsonBody(x, 1, "").getBytes(StandardCharsets.UTF_8), null);
        assertEquals(200, r.statusCode(), text(r));
        String body = text(r);
        assertTrue(body.startsWith("{\"model_name\":\"mnist\",\"model_version\":\"1\",\"id\":\"t\",\"outputs\":[{\"name\":\""
                + output + "\",\"datatype\":\"FP32\",\"shape\":[1,10],\"data\":["), body);
        assertArrayEquals(reference.run(x, 1), data(body));
        // A batch of 3 in one request, through the versioned path.
        float[] x3 = image(2, 3);
        HttpResponse<byte[]> r3 = post(server, "/v2/models/mnist/versions/1/infer",
                jsonBody(x3, 3, "").getBytes(StandardCharsets.UTF_8), null);
        assertTrue(text(r3).contains("\"shape\":[3,10]"));
        assertArrayEquals(reference.run(x3, 3), data(text(r3)));
    }

    @Test
    void binaryInputAndOutput() throws Exception {
        float[] x = image(3, 2);
        String json = "{\"inputs\":[{\"name\":\"" + input + "\",\"shape\":[2,28,28,1],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + x.length * 4 + "}}],\"outputs\":[{\"name\":\"" + output
                + "\",\"parameters\":{\"binary_data\":true}}]}";
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(head.length + x.length * 4).order(ByteOrder.LITTLE_ENDIAN).put(head);
        body.asFloatBuffer().put(x);
        HttpResponse<byte[]> r = post(server, "/v2/models/mnist/infer", body.array(), (long) head.length);
        assertEquals(200, r.statusCode(), text(r));
        assertEquals("application/octet-stream", r.headers().firstValue("Content-Type").orElse(""));
        int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        String respJson = new String(r.body(), 0, jsonLength, StandardCharsets.UTF_8);
        assertTrue(respJson.contains("\"parameters\":{\"binary_data_size\":80}") && !respJson.contains("\"data\""), respJson);
        float[] got = new float[20];
        ByteBuffer.wrap(r.body(), jsonLength, 80).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        assertEquals(jsonLength + 80, r.body().length);
        assertArrayEquals(reference.run(x, 2), got);
        // Binary input, JSON output (no binary_data asked): the same numbers.
        String jsonOut = json.replace("true", "false");
        byte[] h2 = jsonOut.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b2 = ByteBuffer.allocate(h2.length + x.length * 4).order(ByteOrder.LITTLE_ENDIAN).put(h2);
        b2.asFloatBuffer().put(x);
        HttpResponse<byte[]> r2 = post(server, "/v2/models/mnist/infer", b2.array(), (long) h2.length);
        assertEquals("application/json", r2.headers().firstValue("Content-Type").orElse(""));
        assertArrayEquals(got, data(text(r2)));
        // JSON input, every output binary through binary_data_output.
        HttpResponse<byte[]> r3 = post(server, "/v2/models/mnist/infer", jsonBody(image(3, 1), 1,
                ",\"parameters\":{\"binary_data_output\":true}").getBytes(StandardCharsets.UTF_8), null);
        assertEquals(200, r3.statusCode());
        assertTrue(r3.headers().firstValue("Inference-Header-Content-Length").isPresent());
    }

    @Test
    void badRequestsGet400AndTheirMessage() throws Exception {
        String ok = jsonBody(image(4, 1), 1, "");
        assertError(post(server, "/v2/models/mnist/infer", "{\"inputs\":[".getBytes(StandardCharsets.UTF_8), null), 400,
                "malformed JSON");
        assertError(post(server, "/v2/models/mnist/infer", ok.replace("FP32", "FP17").getBytes(StandardCharsets.UTF_8),
                null), 400, "unknown datatype 'FP17'");
        assertError(post(server, "/v2/models/mnist/infer", ok.replace("FP32", "INT32").getBytes(StandardCharsets.UTF_8),
                null), 400, "datatype INT32, the model takes FP32");
        assertError(post(server, "/v2/models/mnist/infer", ok.replace("[1,28,28,1]", "[1,28,28]")
                .getBytes(StandardCharsets.UTF_8), null), 400, "does not match the model's [-1, 28, 28, 1]");
        assertError(post(server, "/v2/models/mnist/infer", ok.replace("[1,28,28,1]", "[2,28,28,1]")
                .getBytes(StandardCharsets.UTF_8), null), 400, "holds 1568 values, \\\"data\\\" has 784");
        assertError(post(server, "/v2/models/mnist/infer", ok.getBytes(StandardCharsets.UTF_8), -5L), 400,
                "Inference-Header-Content-Length must be a non-negative integer");
        assertError(post(server, "/v2/models/mnist/infer", ok.getBytes(StandardCharsets.UTF_8), 999_999L), 400,
                "larger than the body");
        assertError(post(server, "/v2/models/nope/infer", ok.getBytes(StandardCharsets.UTF_8), null), 404,
                "unknown model 'nope'");
        // Over the 1 MiB body limit: 413, before anything is parsed.
        assertError(post(server, "/v2/models/mnist/infer", new byte[(1 << 20) + 1], null), 413, "limit");
        assertEquals(200, get(server, "/v2/health/live").statusCode());
    }

    @Test
    void metricsCountRequestsBatchesAndQueue() throws Exception {
        float[] x = image(5, 1);
        assertEquals(200, post(server, "/v2/models/other/infer", jsonBody(x, 1, "").getBytes(StandardCharsets.UTF_8),
                null).statusCode());
        assertEquals(400, post(server, "/v2/models/other/infer", "{".getBytes(StandardCharsets.UTF_8), null).statusCode());
        HttpResponse<byte[]> m = get(server, "/metrics");
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        String t = text(m);
        assertTrue(t.contains("sparse24_inference_requests_total{code=\"200\",model=\"other\",protocol=\"http\"} 1.0")
                || t.contains("sparse24_inference_requests_total{code=\"200\",model=\"other\",protocol=\"http\"}"), t);
        assertTrue(Pattern.compile("sparse24_inference_requests_total\\{code=\"400\",model=\"other\",protocol=\"http\"\\} [1-9]")
                .matcher(t).find(), t);
        assertTrue(Pattern.compile("sparse24_inference_failures_total\\{model=\"other\",reason=\"bad_request\"\\} [1-9]")
                .matcher(t).find(), t);
        assertTrue(t.contains("sparse24_batch_size_bucket{model=\"other\",le=\"1.0\"}"), t);
        assertTrue(t.contains("sparse24_inference_request_duration_seconds_count{model=\"other\",protocol=\"http\"}"), t);
        assertTrue(t.contains("sparse24_queue_depth{model=\"other\"} 0"), t);
    }

    /** Holds the batcher's runner in its next batch until released; optionally interrupts it after. */
    static final class Stall extends StallingListener {
    }

    /** Polls /metrics until the queue holds {@code n} requests (the state checked next, not a timing). */
    static void awaitQueueDepth(ModelServer s, int n) throws Exception {
        String want = "sparse24_queue_depth{model=\"m\"} " + n;
        for (int i = 0; i < 6000 && !text(get(s, "/metrics")).contains(want); i++) {
            Thread.sleep(5);
        }
        String metrics = text(get(s, "/metrics"));
        assertTrue(metrics.contains(want), "queue never reached " + n + ":\n" + metrics);
    }

    static ModelServer stalled(Stall stall, BatchingOptions batching) throws Exception {
        return ModelServer.start(ServerOptions.defaults().withPort(0).withStopTimeout(Duration.ofSeconds(60)),
                List.of(new ModelServer.Model("m", model, SESSION, batching.withConcurrency(1).withListener(stall))));
    }

    @Test
    void fullQueueAnswers503AndRecovers() throws Exception {
        Stall stall = new Stall();
        try (ModelServer s = stalled(stall, BatchingOptions.defaults(1).withQueueCapacity(2))) {
            byte[] body = jsonBody(image(6, 1), 1, "").getBytes(StandardCharsets.UTF_8);
            CompletableFuture<HttpResponse<byte[]>> first = postAsync(s, "/v2/models/m/infer", body, null);
            assertTrue(stall.entered.await(60, TimeUnit.SECONDS));
            List<CompletableFuture<HttpResponse<byte[]>>> queued = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                queued.add(postAsync(s, "/v2/models/m/infer", body, null));
            }
            awaitQueueDepth(s, 2);
            // The queue is full: the next request is refused at once.
            HttpResponse<byte[]> refused = post(s, "/v2/models/m/infer", body, null);
            assertError(refused, 503, "queue is full");
            stall.release.countDown();
            float[] want = reference.run(image(6, 1), 1);
            assertArrayEquals(want, data(text(first.get(60, TimeUnit.SECONDS))));
            for (CompletableFuture<HttpResponse<byte[]>> q : queued) {
                assertArrayEquals(want, data(text(q.get(60, TimeUnit.SECONDS))));
            }
            assertEquals(200, post(s, "/v2/models/m/infer", body, null).statusCode());
            assertTrue(text(get(s, "/metrics")).contains("reason=\"queue_full\""));
        }
    }

    @Test
    void failedRunAnswers500ForItsRequestsOnly() throws Exception {
        Stall stall = new Stall();
        stall.interruptAfter = true;          // the runtime then cancels the next run: a real failure
        try (ModelServer s = stalled(stall, BatchingOptions.defaults(4).withMaxDelay(Duration.ofSeconds(5)))) {
            byte[] body = jsonBody(image(7, 1), 1, "").getBytes(StandardCharsets.UTF_8);
            CompletableFuture<HttpResponse<byte[]>> first = postAsync(s, "/v2/models/m/infer", body, null);
            assertTrue(stall.entered.await(60, TimeUnit.SECONDS));
            CompletableFuture<HttpResponse<byte[]>> doomed = postAsync(s, "/v2/models/m/infer", body, null);
            awaitQueueDepth(s, 1);
            stall.release.countDown();
            assertEquals(200, first.get(60, TimeUnit.SECONDS).statusCode());
            assertError(doomed.get(60, TimeUnit.SECONDS), 500, "inference failed: the run was cancelled");
            HttpResponse<byte[]> after = post(s, "/v2/models/m/infer", body, null);
            assertEquals(200, after.statusCode());
            assertArrayEquals(reference.run(image(7, 1), 1), data(text(after)));
        }
    }

    @Test
    void timedOutRequestAnswers503() throws Exception {
        Stall stall = new Stall();
        try (ModelServer s = stalled(stall, BatchingOptions.defaults(4).withTimeout(Duration.ofMillis(200)))) {
            byte[] body = jsonBody(image(8, 1), 1, "").getBytes(StandardCharsets.UTF_8);
            CompletableFuture<HttpResponse<byte[]>> first = postAsync(s, "/v2/models/m/infer", body, null);
            assertTrue(stall.entered.await(60, TimeUnit.SECONDS));
            HttpResponse<byte[]> late = post(s, "/v2/models/m/infer", body, null);
            assertError(late, 503, "timed out after 200 ms");
            stall.release.countDown();
            first.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void gracefulShutdownFinishesRequestsInFlight() throws Exception {
        Stall stall = new Stall();
        ModelServer s = stalled(stall, BatchingOptions.defaults(2).withMaxDelay(Duration.ZERO));
        byte[] body = jsonBody(image(9, 1), 1, "").getBytes(StandardCharsets.UTF_8);
        URI url = s.url();
        List<CompletableFuture<HttpResponse<byte[]>>> inFlight = new ArrayList<>();
        inFlight.add(postAsync(s, "/v2/models/m/infer", body, null));
        assertTrue(stall.entered.await(60, TimeUnit.SECONDS));
        for (int i = 0; i < 5; i++) {
            inFlight.add(postAsync(s, "/v2/models/m/infer", body, null));
        }
        awaitQueueDepth(s, 5);
        Thread closer = new Thread(s::close);
        closer.start();
        while (s.isReady()) {
            Thread.onSpinWait();
        }
        Thread.sleep(200);                  // let Jetty close the port (what is checked is below, not the time)
        assertTrue(closer.isAlive(), "close returned with requests in flight");
        stall.release.countDown();
        closer.join(60_000);
        assertTrue(!closer.isAlive());
        float[] want = reference.run(image(9, 1), 1);
        for (CompletableFuture<HttpResponse<byte[]>> f : inFlight) {
            HttpResponse<byte[]> r = f.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), text(r));
            assertArrayEquals(want, data(text(r)));
        }
        // Stopped: nothing listens any more.
        Exception e = assertThrows(Exception.class, () -> HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v2/health/live"))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray()));
        assertTrue(e instanceof ConnectException || e.getCause() instanceof ConnectException
                || e instanceof java.io.IOException, e.toString());
    }

    @Test
    void uint8ModelTakesUint8JsonAndBinaryData() throws Exception {
        SparseModel u8;
        try (java.io.InputStream in = ModelServerTest.class.getResourceAsStream("/dev/sparse24/format/tflite/uint8_input.tflite")) {
            u8 = SparseModel.fromBytes(in.readAllBytes());
        }
        String name = u8.inputs().get(0).name();
        byte[] px = new byte[784];
        new Random(12).nextBytes(px);
        try (ModelServer s = ModelServer.start(ServerOptions.defaults().withPort(0),
                List.of(new ModelServer.Model("u8", u8, SESSION, BatchingOptions.defaults(4))));
             InferenceSession ref = u8.newSession(SESSION)) {
            assertTrue(text(get(s, "/v2/models/u8")).contains("\"datatype\":\"UINT8\",\"shape\":[-1,28,28,1]"));
            StringBuilder json = new StringBuilder("{\"inputs\":[{\"name\":\"" + name
                    + "\",\"shape\":[1,28,28,1],\"datatype\":\"UINT8\",\"data\":[");
            for (int i = 0; i < px.length; i++) {
                json.append(i == 0 ? "" : ",").append(px[i] & 0xff);
            }
            json.append("]}]}");
            float[] want = ref.run(px, 1);
            HttpResponse<byte[]> r = post(s, "/v2/models/u8/infer", json.toString().getBytes(StandardCharsets.UTF_8), null);
            assertEquals(200, r.statusCode(), text(r));
            assertArrayEquals(want, data(text(r)));
            byte[] head = ("{\"inputs\":[{\"name\":\"" + name + "\",\"shape\":[1,28,28,1],\"datatype\":\"UINT8\","
                    + "\"parameters\":{\"binary_data_size\":784}}]}").getBytes(StandardCharsets.UTF_8);
            byte[] body = java.util.Arrays.copyOf(head, head.length + 784);
            System.arraycopy(px, 0, body, head.length, 784);
            assertArrayEquals(want, data(text(post(s, "/v2/models/u8/infer", body, (long) head.length))));
            // Floats for a UINT8 input are refused, with the reason.
            assertError(post(s, "/v2/models/u8/infer", json.toString().replace("UINT8", "FP32")
                    .getBytes(StandardCharsets.UTF_8), null), 400, "datatype FP32, the model takes UINT8");
            assertError(post(s, "/v2/models/u8/infer", json.toString().replace("[1,28,28,1],\"datatype\":\"UINT8\",\"data\":[",
                    "[1,28,28,1],\"datatype\":\"UINT8\",\"data\":[256,").replaceFirst(",\\d+]}]}$", "]}]}")
                    .getBytes(StandardCharsets.UTF_8), null), 400, "is not a UINT8");
        }
    }

    @Test
    void fuzzedBodiesNeverGiveAnUnexpectedStatusOrKillTheServer() throws Exception {
        Random r = new Random(77);
        long[] header = new long[1];
        String ok = jsonBody(image(10, 1), 1, "");
        int statuses200 = 0;
        for (int i = 0; i < 400; i++) {
            byte[] body = InferRequestParserFuzzTest.mutate(r, ok.getBytes(StandardCharsets.UTF_8));
            Long h = r.nextInt(8) == 0 ? (long) r.nextInt(body.length + 4) : null;
            HttpResponse<byte[]> resp = post(server, "/v2/models/mnist/infer", body, h);
            int c = resp.statusCode();
            assertTrue(c == 200 || c == 400, "status " + c + " for body " + new String(body, StandardCharsets.UTF_8)
                    + ": " + text(resp));
            if (c == 400) {
                assertTrue(text(resp).startsWith("{\"error\":"), text(resp));
            } else {
                statuses200++;
            }
        }
        assertTrue(statuses200 > 0);
        assertEquals(200, get(server, "/v2/health/live").statusCode());
        assertEquals(200, post(server, "/v2/models/mnist/infer", ok.getBytes(StandardCharsets.UTF_8), null).statusCode());
    }
}
