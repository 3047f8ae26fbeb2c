package dev.sparse24.runtime;

/** Where an {@link InferenceSession} runs. */
public enum Device {
    /**
     * The best device that can be used here: CUDA when its backend loads and a GPU of compute
     * capability 8.0+ is present, else the CPU. The reason for not using CUDA is logged once.
     */
    AUTO,
    /** The CPU: native 2:4 kernels and OpenBLAS (the plain-Java reference when they cannot load). */
    CPU,
    /**
     * An NVIDIA GPU. Asking for it explicitly never falls back: a session fails with
     * {@link BackendUnavailableException} when it cannot be used (always, in this version).
     */
    CUDA
}
