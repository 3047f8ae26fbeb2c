/** Model files: our .s24 FlatBuffers format and TensorFlow Lite, read into and written from a graph. */
package dev.sparse24.format;
