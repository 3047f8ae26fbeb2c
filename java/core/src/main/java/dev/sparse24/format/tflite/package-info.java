/**
 * TensorFlow Lite import and export: {@link dev.sparse24.format.tflite.TfliteReader} (verified
 * flatbuffer to {@link dev.sparse24.graph.Graph}, converter plumbing folded, 2:4 weights
 * compressed) and {@link dev.sparse24.format.tflite.TfliteWriter} (graph to a converter-style
 * .tflite). The FlatBuffers accessors are generated from {@code java/core/src/main/fbs/tflite.fbs}
 * into {@code dev.sparse24.format.tflite.fb}.
 */
package dev.sparse24.format.tflite;
