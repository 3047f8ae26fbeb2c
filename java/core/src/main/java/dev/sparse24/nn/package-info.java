/**
 * Layers (forward + backward + parameters) and the Sequential container, Keras-style.
 * Weights use Keras layouts: Conv2D kernels HWIO [h, w, in, out], Dense kernels [in, out].
 */
package dev.sparse24.nn;
