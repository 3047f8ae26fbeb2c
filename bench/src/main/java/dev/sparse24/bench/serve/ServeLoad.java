package dev.sparse24.bench.serve;

import com.google.protobuf.ByteString;
import dev.sparse24.server.grpc.v2.GRPCInferenceServiceGrpc;
import dev.sparse24.server.grpc.v2.ModelInferRequest;
import dev.sparse24.server.grpc.v2.ModelInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Closed-loop load on one running {@code sparse24 serve}: C clients, each sending its next
 * single-image request when the last one is answered (as wrk does), over REST (the binary tensor
 * extension, JDK HttpClient, HTTP/1.1, one connection per client) and over gRPC (raw_input_contents,
 * grpc-java on one HTTP/2 channel, asynchronous stubs). Prints per protocol: requests/s, p50 / p99
 * latency, errors by status, and the batch sizes the server formed meanwhile (from /metrics).
 *
 * <pre>
 * java -cp ... dev.sparse24.bench.serve.ServeLoad HTTP_URL GRPC_HOST:PORT MODEL INPUT
 *      [CLIENTS=64] [SECONDS=10] [WARMUP_SECONDS=3] [ROUNDS=1]
 * </pre>
 * Each round runs REST then gRPC, so a drift in the machine's load shows as a spread between rounds.
 */
public final class ServeLoad {
    private ServeLoad() {
    }

    /** What one timed run saw. */
    record Result(String protocol, int clients, double seconds, long ok, Map<String, Long> errors, long[] latencyNanos,
                  double meanBatch, long batches) {
        String line() {
            long[] l = latencyNanos.clone();
            Arrays.sort(l);
            return String.format("%-5s %d clients: %8.1f req/s  p50 %6.2f ms  p99 %6.2f ms  ok %d  errors %s"
                            + "  batches %d mean %.1f items",
                    protocol, clients, ok / seconds, pct(l, 0.50) / 1e6, pct(l, 0.99) / 1e6, ok, errors, batches,
                    meanBatch);
        }
    }

    static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    /** One protocol's way to send a request and report the outcome (null status: success). */
    interface Sender {
        void send(Done done);
    }

    interface Done {
        void done(String errorStatus);
    }

    /** Latencies and outcomes of the requests completed between {@link #start} and {@link #stop}. */
    static final class Recorder {
        volatile boolean recording;
        volatile boolean running = true;
        long[] latencies = new long[1 << 16];
        int n;
        long ok;
        final Map<String, Long> errors = new TreeMap<>();

        synchronized void record(long nanos, String error) {
            if (!recording) {
                return;
            }
            if (error == null) {
                ok++;
                if (n == latencies.length) {
                    latencies = Arrays.copyOf(latencies, n * 2);
                }
                latencies[n++] = nanos;
            } else {
                errors.merge(error, 1L, Long::sum);
            }
        }
    }

    static Result run(String protocol, Sender sender, int clients, double warmup, double seconds, String metricsUrl,
                      HttpClient http) throws Exception {
        Recorder rec = new Recorder();
        CountDownLatch stopped = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            loop(sender, rec, stopped);
        }
        Thread.sleep((long) (warmup * 1000));
        double[] before = batches(http, metricsUrl);
        rec.recording = true;
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        rec.recording = false;
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double[] after = batches(http, metricsUrl);
        rec.running = false;
        stopped.await(60, TimeUnit.SECONDS);
        double count = after[1] - before[1];
        synchronized (rec) {
            return new Result(protocol, clients, elapsed, rec.ok, new TreeMap<>(rec.errors),
                    Arrays.copyOf(rec.latencies, rec.n), count == 0 ? 0 : (after[0] - before[0]) / count, (long) count);
        }
    }

    private static void loop(Sender sender, Recorder rec, CountDownLatch stopped) {
        if (!rec.running) {
            stopped.countDown();
            return;
        }
        long t = System.nanoTime();
        sender.send(error -> {
            rec.record(System.nanoTime() - t, error);
            loop(sender, rec, stopped);
        });
    }

    /** {sum, count} of sparse24_batch_size over every model. */
    static double[] batches(HttpClient http, String metricsUrl) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create(metricsUrl)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double[] r = new double[2];
        Matcher m = Pattern.compile("(?m)^sparse24_batch_size_(sum|count)\\{[^}]*\\} (\\S+)$").matcher(text);
        while (m.find()) {
            r[m.group(1).equals("sum") ? 0 : 1] += Double.parseDouble(m.group(2));
        }
        return r;
    }

    /** The fixed pseudo-random image (seed 1) as little-endian float32 bytes. */
    static byte[] image() {
        Random r = new Random(1);
        ByteBuffer b = ByteBuffer.allocate(784 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 784; i++) {
            b.putFloat(r.nextFloat());
        }
        return b.array();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: ServeLoad HTTP_URL GRPC_HOST:PORT MODEL INPUT [CLIENTS] [SECONDS] [WARMUP] [ROUNDS]");
            System.exit(2);
        }
        String url = args[0];
        String[] hp = args[1].split(":");
        String model = args[2];
        String input = args[3];
        int clients = args.length > 4 ? Integer.parseInt(args[4]) : 64;
        double seconds = args.length > 5 ? Double.parseDouble(args[5]) : 10;
        double warmup = args.length > 6 ? Double.parseDouble(args[6]) : 3;
        int rounds = args.length > 7 ? Integer.parseInt(args[7]) : 1;
        byte[] pixels = image();

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        byte[] head = ("{\"inputs\":[{\"name\":\"" + input + "\",\"shape\":[1,28,28,1],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":3136}}],\"parameters\":{\"binary_data_output\":true}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(head, head.length + pixels.length);
        System.arraycopy(pixels, 0, body, head.length, pixels.length);
        HttpRequest post = HttpRequest.newBuilder(URI.create(url + "/v2/models/" + model + "/infer"))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(head.length))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        Sender rest = done -> http.sendAsync(post, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((r, e) ->
                done.done(e != null ? e.getClass().getSimpleName() : r.statusCode() == 200 ? null
                        : Integer.toString(r.statusCode())));

        ManagedChannel channel = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).usePlaintext().build();
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(input).setDatatype("FP32")
                        .addShape(1).addShape(28).addShape(28).addShape(1))
                .addRawInputContents(ByteString.copyFrom(pixels)).build();
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub = GRPCInferenceServiceGrpc.newStub(channel);
        Sender grpc = done -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(request,
                new StreamObserver<ModelInferResponse>() {
                    @Override
                    public void onNext(ModelInferResponse value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.done(t instanceof StatusRuntimeException s ? s.getStatus().getCode().name()
                                : t.getClass().getSimpleName());
                    }

                    @Override
                    public void onCompleted() {
                        done.done(null);
                    }
                });

        System.out.printf("ServeLoad: %s and %s, model %s, %d clients, %.0f s per run after %.0f s warm-up, %d round(s), %d cores%n",
                url, args[1], model, clients, seconds, warmup, rounds, Runtime.getRuntime().availableProcessors());
        for (int round = 1; round <= rounds; round++) {
            System.out.println("round " + round + ": " + run("REST", rest, clients, warmup, seconds, url + "/metrics", http).line());
            System.out.println("round " + round + ": " + run("gRPC", grpc, clients, warmup, seconds, url + "/metrics", http).line());
        }
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        System.exit(0);
    }
}
