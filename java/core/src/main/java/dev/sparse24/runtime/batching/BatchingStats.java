package dev.sparse24.runtime.batching;

/**
 * Counters of a {@link BatchingSession} since it started.
 *
 * @param submitted  requests accepted by submit
 * @param rejected   submits refused because the queue was full
 * @param timedOut   requests whose timeout passed
 * @param failed     requests failed by their batch's run
 * @param batches    batches run
 * @param samples    batch items run (samples / batches is the mean batch size)
 * @param queueDepth requests waiting now
 */
public record BatchingStats(long submitted, long rejected, long timedOut, long failed, long batches, long samples,
                            int queueDepth) {
}
