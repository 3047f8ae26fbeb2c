package dev.sparse24.cli;

import dev.sparse24.runtime.Device;
import dev.sparse24.runtime.SessionOptions;
import dev.sparse24.runtime.SparseModel;
import dev.sparse24.runtime.batching.BatchingOptions;
import dev.sparse24.server.ModelServer;
import dev.sparse24.server.ServerOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code sparse24 serve MODEL [--model NAME=PATH ...]}: serves models over the Open Inference
 * Protocol (KServe v2 REST with Triton's binary tensor data extension, and KServe v2 gRPC with
 * {@code --grpc-port}), with dynamic batching and Prometheus metrics; prints the addresses once
 * ready and stops gracefully on SIGTERM / Ctrl-C.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve .s24/.tflite models over the Open Inference Protocol (KServe v2 REST, Triton's binary",
                "tensor extension; KServe v2 gRPC with --grpc-port) with dynamic batching; GET /metrics for",
                "Prometheus. SIGTERM stops gracefully."})
public final class ServeCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "A .s24 or .tflite model.")
    Path model;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Name of MODEL in URLs (default: its file name without the extension).")
    String name;

    @Option(names = "--model", paramLabel = "NAME=PATH", description = "Another model to serve (repeatable).")
    List<String> more = new ArrayList<>();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "Port, 0: any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--grpc-port", defaultValue = "0", paramLabel = "P",
            description = "Port of the KServe v2 gRPC endpoint (inference.GRPCInferenceService, Triton uses 8001);"
                    + " 0: no gRPC (default: ${DEFAULT-VALUE}).")
    int grpcPort;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "T",
            description = "Session threads per model, 0: all cores (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--max-batch", defaultValue = "64", paramLabel = "B",
            description = "Most batch items gathered into one run; 1 turns batching off (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-delay-ms", defaultValue = "2", paramLabel = "D",
            description = "Longest wait for a batch to fill, from its oldest request (default: ${DEFAULT-VALUE}).")
    double maxDelayMs;

    @Option(names = "--queue", defaultValue = "1024", paramLabel = "Q",
            description = "Requests waiting per model before 503 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--instances", defaultValue = "2", paramLabel = "N",
            description = "Batches run at the same time per model, each on all session threads (default: ${DEFAULT-VALUE}).")
    int instances;

    @Option(names = "--timeout-ms", defaultValue = "0", paramLabel = "MS",
            description = "Per-request limit, 503 when passed; 0: none (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--max-body-mb", defaultValue = "64", paramLabel = "MB",
            description = "Largest request: HTTP body (413 above) or gRPC message (RESOURCE_EXHAUSTED above)"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxBodyMb;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE",
            description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Device dev;
        try {
            dev = Device.valueOf(device.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError("--device must be auto, cpu or cuda, given " + device);
        }
        if (threads < 0 || maxBatch < 1 || instances < 1 || maxDelayMs < 0 || queue < 1 || timeoutMs < 0 || maxBodyMb < 1
                || maxBodyMb > 2000 || port < 0 || port > 65535 || grpcPort < 0 || grpcPort > 65535) {
            throw new UserError("expected --threads >= 0, --max-batch >= 1, --instances >= 1, --max-delay-ms >= 0, --queue >= 1, "
                    + "--timeout-ms >= 0, --max-body-mb 1..2000, --port 0..65535, --grpc-port 0..65535");
        }
        if (model == null && more.isEmpty()) {
            throw new UserError("give a MODEL or --model NAME=PATH");
        }
        List<String[]> named = new ArrayList<>();
        if (model != null) {
            named.add(new String[]{name != null ? name : baseName(model), model.toString()});
        } else if (name != null) {
            throw new UserError("--name names MODEL; with only --model use NAME=PATH");
        }
        for (String m : more) {
            int eq = m.indexOf('=');
            if (eq <= 0 || eq == m.length() - 1) {
                throw new UserError("--model expects NAME=PATH, given '" + m + "'");
            }
            named.add(new String[]{m.substring(0, eq), m.substring(eq + 1)});
        }
        SessionOptions session = SessionOptions.defaults().withDevice(dev).withThreads(threads).withMaxBatch(maxBatch);
        BatchingOptions batching = BatchingOptions.defaults(maxBatch)
                .withMaxDelay(Duration.ofNanos((long) (maxDelayMs * 1e6)))
                .withQueueCapacity(queue).withTimeout(Duration.ofMillis(timeoutMs)).withConcurrency(instances);
        List<ModelServer.Model> models = new ArrayList<>();
        for (String[] nm : named) {
            SparseModel m = SparseModel.load(CommandFiles.requireReadableFile(Path.of(nm[1]), "model"));
            try {
                models.add(new ModelServer.Model(nm[0], m, session, batching));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
        ServerOptions options = ServerOptions.defaults().withHost(host).withPort(port)
                .withMaxBodyBytes((long) maxBodyMb << 20).withGrpcPort(grpcPort == 0 ? -1 : grpcPort);
        ModelServer server;
        try {
            server = ModelServer.start(options, models);
        } catch (IOException e) {
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new UserError("cannot listen on " + host + ":" + port
                        + (grpcPort > 0 ? " (HTTP) / " + grpcPort + " (gRPC)" : "") + ": " + e.getMessage(), e);
            }
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        // SIGTERM / Ctrl-C: stop accepting, finish what is in flight, then exit.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("sparse24 serve: stopping (finishing requests in flight)");
            server.close();
            System.err.println("sparse24 serve: stopped");
        }, "sparse24-serve-shutdown"));
        for (String n : server.modelNames()) {
            out.println("sparse24 serve: model '" + n + "' at " + server.url() + "/v2/models/" + n
                    + " (max batch " + maxBatch + ", max delay " + maxDelayMs + " ms, queue " + queue + ")");
        }
        out.println("sparse24 serve: listening on " + server.url() + " (GET /v2/health/ready, /metrics)");
        if (server.grpcAddress() != null) {
            out.println("sparse24 serve: gRPC on " + host(server.grpcAddress()) + " (KServe v2 inference.GRPCInferenceService)");
        }
        out.flush();
        server.join();
        return 0;
    }

    private static String host(java.net.InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    private static String baseName(Path p) {
        String f = p.getFileName().toString();
        int dot = f.lastIndexOf('.');
        String base = dot > 0 ? f.substring(0, dot) : f;
        return base.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
