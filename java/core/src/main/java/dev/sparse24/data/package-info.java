/**
 * Data sets: the IDX file reader, MNIST (locate, fetch, verify, load) and any other IDX image
 * classification set.
 *
 * <p>Entry points: {@link dev.sparse24.data.Mnist#system()} then
 * {@link dev.sparse24.data.Mnist#load(java.nio.file.Path, int)}, which gives an
 * {@link dev.sparse24.data.MnistDataset} of NHWC image tensors scaled to [0, 1] and int labels;
 * every MNIST load checks the SHA-256 of each uncompressed file against the published digests.
 * {@link dev.sparse24.data.IdxDataset#load(java.nio.file.Path, int)} reads a directory of any
 * image shape and class count; {@link dev.sparse24.data.TrainingData} picks between the two as the
 * training commands' {@code --data DIR} does.
 */
package dev.sparse24.data;
