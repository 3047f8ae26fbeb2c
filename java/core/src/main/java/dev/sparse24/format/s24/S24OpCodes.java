package dev.sparse24.format.s24;

import dev.sparse24.format.s24.fb.OpCode;
import dev.sparse24.graph.OpType;

/** The mapping between graph operator types and the .s24 {@code OpCode} enum. */
final class S24OpCodes {
    // Indexed by OpCode value; the schema's numbering is the wire format and never changes.
    private static final OpType[] BY_CODE = new OpType[OpCode.names.length];

    static {
        BY_CODE[OpCode.CONV_2D] = OpType.CONV_2D;
        BY_CODE[OpCode.DEPTHWISE_CONV_2D] = OpType.DEPTHWISE_CONV_2D;
        BY_CODE[OpCode.FULLY_CONNECTED] = OpType.FULLY_CONNECTED;
        BY_CODE[OpCode.MAX_POOL_2D] = OpType.MAX_POOL_2D;
        BY_CODE[OpCode.AVERAGE_POOL_2D] = OpType.AVERAGE_POOL_2D;
        BY_CODE[OpCode.RESHAPE] = OpType.RESHAPE;
        BY_CODE[OpCode.RELU] = OpType.RELU;
        BY_CODE[OpCode.RELU6] = OpType.RELU6;
        BY_CODE[OpCode.TANH] = OpType.TANH;
        BY_CODE[OpCode.LOGISTIC] = OpType.LOGISTIC;
        BY_CODE[OpCode.SOFTMAX] = OpType.SOFTMAX;
        BY_CODE[OpCode.ADD] = OpType.ADD;
        BY_CODE[OpCode.MUL] = OpType.MUL;
        BY_CODE[OpCode.MEAN] = OpType.MEAN;
    }

    private S24OpCodes() {
    }

    /** The file's code for {@code type}. */
    static int toFile(OpType type) {
        for (int c = 0; c < BY_CODE.length; c++) {
            if (BY_CODE[c] == type) {
                return c;
            }
        }
        throw new IllegalArgumentException("no .s24 opcode for " + type);
    }

    /** The graph op for file code {@code code}, or null when unknown. */
    static OpType fromFile(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
