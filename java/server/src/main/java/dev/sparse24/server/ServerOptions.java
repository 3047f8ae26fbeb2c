package dev.sparse24.server;

import java.time.Duration;

/**
 * How a {@link ModelServer} listens.
 *
 * @param host         address to bind, for HTTP and gRPC (127.0.0.1 by default: loopback only)
 * @param port         HTTP port; 0 picks a free one ({@link ModelServer#url()} tells which)
 * @param maxBodyBytes the largest request: an HTTP body (413 above) or a gRPC message
 *                     (RESOURCE_EXHAUSTED above); 64 MiB by default
 * @param stopTimeout  how long a graceful stop waits for requests in flight (30 s by default)
 * @param httpThreads  threads for protocol work, for each protocol: Jetty's pool and the gRPC
 *                     executor (parsing and writing; inference runs on the batchers' threads);
 *                     16 by default
 * @param grpcPort     gRPC port (KServe v2 {@code inference.GRPCInferenceService}); -1: no gRPC
 *                     endpoint (the default), 0: a free one ({@link ModelServer#grpcAddress()})
 */
public record ServerOptions(String host, int port, long maxBodyBytes, Duration stopTimeout, int httpThreads,
                            int grpcPort) {
    /** Checks the values. */
    public ServerOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, given " + port);
        }
        if (grpcPort < -1 || grpcPort > 65535) {
            throw new IllegalArgumentException("grpcPort must be -1 (off) or 0..65535, given " + grpcPort);
        }
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxBodyBytes must be 1.." + (Integer.MAX_VALUE - 8) + ", given "
                    + maxBodyBytes);
        }
        if (stopTimeout == null || stopTimeout.isNegative()) {
            throw new IllegalArgumentException("stopTimeout must be >= 0, given " + stopTimeout);
        }
        if (httpThreads < 4) {
            throw new IllegalArgumentException("httpThreads must be >= 4 (Jetty needs acceptor and selector threads),"
                    + " given " + httpThreads);
        }
    }

    /** 127.0.0.1:8000, no gRPC, 64 MiB requests, 30 s graceful stop, 16 protocol threads. */
    public static ServerOptions defaults() {
        return new ServerOptions("127.0.0.1", 8000, 64L << 20, Duration.ofSeconds(30), 16, -1);
    }

    /** The same options on another host. */
    public ServerOptions withHost(String host) {
        return new ServerOptions(host, port, maxBodyBytes, stopTimeout, httpThreads, grpcPort);
    }

    /** The same options on another HTTP port. */
    public ServerOptions withPort(int port) {
        return new ServerOptions(host, port, maxBodyBytes, stopTimeout, httpThreads, grpcPort);
    }

    /** The same options with another request size limit (HTTP body and gRPC message). */
    public ServerOptions withMaxBodyBytes(long maxBodyBytes) {
        return new ServerOptions(host, port, maxBodyBytes, stopTimeout, httpThreads, grpcPort);
    }

    /** The same options with another graceful-stop wait. */
    public ServerOptions withStopTimeout(Duration stopTimeout) {
        return new ServerOptions(host, port, maxBodyBytes, stopTimeout, httpThreads, grpcPort);
    }

    /** The same options with another protocol thread count. */
    public ServerOptions withHttpThreads(int httpThreads) {
        return new ServerOptions(host, port, maxBodyBytes, stopTimeout, httpThreads, grpcPort);
    }

    /** The same options with a gRPC endpoint on {@code grpcPort} (0: a free port; -1: none). */
    public ServerOptions withGrpcPort(int grpcPort) {
        return new ServerOptions(host, port, maxBodyBytes, stopTimeout, httpThreads, grpcPort);
    }
}
