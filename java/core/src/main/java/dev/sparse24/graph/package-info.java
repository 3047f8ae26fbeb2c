/**
 * The inference graph both file formats read into and the runtimes execute: tensors (dense or
 * 2:4-compressed constants, activations), operators in execution order, inputs, outputs and
 * metadata. TFLite's conventions (NHWC, [out, h, w, in] filters) throughout.
 */
package dev.sparse24.graph;
