/**
 * ONNX export: {@link dev.sparse24.format.onnx.OnnxWriter} turns a {@link dev.sparse24.graph.Graph}
 * into a standard ONNX model (opset {@value dev.sparse24.format.onnx.OnnxWriter#OPSET_VERSION}),
 * using the message classes protoc generates at build time from our subset of ONNX's
 * {@code onnx.proto} ({@code java/core/src/main/proto/onnx.proto}, class
 * {@code dev.sparse24.format.onnx.OnnxProto}). Export only: Sparse24 does not read ONNX models.
 */
package dev.sparse24.format.onnx;
