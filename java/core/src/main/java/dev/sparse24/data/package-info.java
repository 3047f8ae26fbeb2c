/**
 * Data sets: the IDX file reader and MNIST (locate, fetch, verify, load).
 *
 * <p>Entry point: {@link dev.sparse24.data.Mnist#system()} then
 * {@link dev.sparse24.data.Mnist#load(java.nio.file.Path, int)}, which gives an
 * {@link dev.sparse24.data.MnistDataset} of NHWC image tensors scaled to [0, 1] and int labels.
 * Every load checks the SHA-256 of each uncompressed file against the published digests.
 */
package dev.sparse24.data;
