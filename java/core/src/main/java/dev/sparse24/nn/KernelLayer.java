package dev.sparse24.nn;

/**
 * A layer with a weight kernel that pruning can mask: Conv2D and Dense.
 *
 * <p>Kernels are stored in Keras layout: Conv2D HWIO {@code [kh, kw, in, out]}, Dense
 * {@code [in, out]}. Flattened, both are a row-major matrix {@code [fanIn, out]} with
 * {@code fanIn = kh*kw*in} (input channel fastest within a tap), which is what the im2col GEMM
 * multiplies by. TFLite orientation (the one pruning masks and file formats use) is its
 * transpose {@code [out, kh, kw, in]} / {@code [out, in]}.
 */
public interface KernelLayer {
    /** The kernel parameter (Keras layout, see the class comment). */
    Parameter kernel();

    /** The bias parameter, or null when the layer has none. */
    Parameter bias();

    /** Number of input channels ({@code in}): the axis along which m-by-n groups run. */
    int inputChannels();

    /** Number of output channels / units ({@code out}). */
    int outputChannels();

    /** Kernel height and width; {@code {1, 1}} for Dense. */
    int[] kernelSize();

    /** The layer itself. */
    Layer asLayer();
}
