/**
 * The service-facing inference API: {@link dev.sparse24.runtime.SparseModel} (an immutable,
 * thread-safe model read from .s24 or .tflite) and {@link dev.sparse24.runtime.InferenceSession}
 * (a compiled, thread-safe, closeable executor on one device), configured by
 * {@link dev.sparse24.runtime.SessionOptions}. The shape follows ONNX Runtime's Java API; the
 * CPU backend lives in {@link dev.sparse24.runtime.cpu}.
 */
package dev.sparse24.runtime;
