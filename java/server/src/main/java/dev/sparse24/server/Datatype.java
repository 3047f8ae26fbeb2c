package dev.sparse24.server;

import dev.sparse24.graph.DType;

/**
 * The tensor datatypes of the Open Inference Protocol (their names are the protocol's strings),
 * with the element size in the binary tensor data extension (little-endian, no padding).
 */
public enum Datatype {
    BOOL(1), UINT8(1), UINT16(2), UINT32(4), UINT64(8), INT8(1), INT16(2), INT32(4), INT64(8),
    FP16(2), FP32(4), FP64(8), BF16(2), BYTES(0);

    private final int bytes;

    Datatype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element in binary data (0 for BYTES, whose elements carry their own length). */
    public int bytes() {
        return bytes;
    }

    /** The protocol's datatype string for {@code name}, or null when the protocol has no such type. */
    public static Datatype parse(String name) {
        for (Datatype d : values()) {
            if (d.name().equals(name)) {          // case-sensitive, as the protocol says
                return d;
            }
        }
        return null;
    }

    /** The protocol's type of a model tensor. */
    public static Datatype of(DType t) {
        return switch (t) {
            case FLOAT32 -> FP32;
            case FLOAT16 -> FP16;
            case BFLOAT16 -> BF16;
            case INT32 -> INT32;
            case INT64 -> INT64;
            case UINT8 -> UINT8;
            case INT8 -> INT8;
        };
    }
}
