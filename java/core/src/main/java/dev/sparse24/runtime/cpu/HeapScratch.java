package dev.sparse24.runtime.cpu;

/** A heap array that grows to the largest size asked for and is then reused (one per thread). */
final class HeapScratch {
    private float[] floats = new float[0];

    /** At least {@code size} floats (contents undefined). */
    float[] floats(int size) {
        if (floats.length < size) {
            floats = new float[size];
        }
        return floats;
    }
}
