/**
 * The narrow device interface of the CUDA backend ({@link dev.sparse24.runtime.cuda.device.DeviceApi})
 * and its value types; implementations in {@code driver} (real GPU) and {@code sim} (host simulation).
 */
package dev.sparse24.runtime.cuda.device;
