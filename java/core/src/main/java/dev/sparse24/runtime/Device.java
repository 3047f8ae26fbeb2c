package dev.sparse24.runtime;

/** Where an {@link InferenceSession} runs. */
public enum Device {
    /**
     * The best device that can be used here: CUDA when its backend (sparse24-cuda) is on the class
     * path, loads, finds a GPU of compute capability 8.0+ and runs every op of the model, else the
     * CPU. The reason for not using CUDA is logged once and ends the session's description.
     */
    AUTO,
    /** The CPU: native 2:4 kernels and OpenBLAS (the plain-Java reference when they cannot load). */
    CPU,
    /**
     * An NVIDIA GPU (sparse24-cuda; with {@code SPARSE24_CUDA_SIM=1} the host simulation of its
     * kernels). Asking for it explicitly never falls back: a session fails with
     * {@link BackendUnavailableException}, whose reason says why, when it cannot be used.
     */
    CUDA
}
