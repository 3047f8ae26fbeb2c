package dev.sparse24.runtime.batching;

import java.util.concurrent.TimeoutException;

/**
 * The exception a {@link BatchingSession} future completes with when its request did not finish
 * within {@link BatchingOptions#timeout()} of being submitted. A request that times out while
 * still queued is never run; one that times out while its batch runs is dropped from the results
 * (the other requests of that batch are not affected).
 */
public final class RequestTimeoutException extends TimeoutException {
    private static final long serialVersionUID = 1L;

    /** @param millis the timeout that passed, for the message */
    public RequestTimeoutException(long millis) {
        super("request timed out after " + millis + " ms");
    }
}
