package dev.sparse24.server;

/**
 * A request the server answers with an error status and {@code {"error": message}}: 400 for a
 * malformed request, 404 for an unknown model, 413 over the body limit, 503 when overloaded or
 * shutting down, 500 when a run fails.
 */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    /** @param status the HTTP status; @param message what was wrong, for the client */
    public ProtocolException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** A 400 Bad Request. */
    public static ProtocolException badRequest(String message) {
        return new ProtocolException(400, message);
    }
}
