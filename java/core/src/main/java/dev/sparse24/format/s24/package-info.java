/**
 * The .s24 model file: {@link dev.sparse24.format.s24.S24Writer} and
 * {@link dev.sparse24.format.s24.S24Reader} over the FlatBuffers schema
 * {@code java/core/src/main/fbs/s24.fbs} (generated accessors in {@code dev.sparse24.format.s24.fb}).
 * The format is documented for other implementers in {@code docs/format.md}.
 */
package dev.sparse24.format.s24;
