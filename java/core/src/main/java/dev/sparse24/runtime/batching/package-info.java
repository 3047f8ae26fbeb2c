/**
 * Dynamic batching in front of an {@link dev.sparse24.runtime.InferenceSession}: concurrent
 * requests of a few samples each are gathered into one batch (up to a size or a delay, whichever
 * comes first), run once and split back - what Triton's dynamic batcher does on a server, here
 * usable from any Java service without HTTP. {@link dev.sparse24.runtime.batching.BatchingSession}
 * is the entry point, configured by {@link dev.sparse24.runtime.batching.BatchingOptions};
 * {@link dev.sparse24.runtime.batching.BatchingListener} feeds metrics without tying the core
 * to a metrics library.
 */
package dev.sparse24.runtime.batching;
