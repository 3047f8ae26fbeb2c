package dev.sparse24.runtime.batching;

/**
 * Thrown by {@link BatchingSession#submit} when its queue already holds
 * {@link BatchingOptions#queueCapacity()} requests: the caller is told at once (a server answers
 * 503) instead of waiting behind a backlog it cannot see.
 */
public final class QueueFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param capacity the queue's capacity, for the message */
    public QueueFullException(int capacity) {
        super("batching queue is full (" + capacity + " requests waiting); retry later");
    }
}
