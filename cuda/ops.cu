// ops.cu - the non-GEMM kernels a graph needs so that a whole model stays on the device between
// layers: fp32 <-> fp16/bf16 conversion of inputs and outputs, im2col for convolutions, max /
// average pooling, bias + activation after a dense GEMM, a u32 fill (split-K counters), and a
// scalar dense GEMM that is the host simulation's stand-in for cuBLAS (and an on-device oracle).
// Each has a plain-Java twin that the tests compare it with (java/cuda: OpsReference).
//
// All kernels are 1-D grid-stride loops: any grid works (the executor picks a small one for
// the host simulation, where every CUDA thread is a CPU thread), block = 32k threads, no shared
// memory. Sizes are ints: the executor checks every element count fits before launching.
// Activation codes (s24::Activation): 0 none, 1 ReLU, 2 ReLU6, 3 ReLU(-1..1), 4 tanh.
#include "sparse24_common.cuh"

namespace s24 {

__device__ __forceinline__ float to_f32(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_f32(__nv_bfloat16 v) { return __bfloat162float(v); }
template <typename T>
__device__ __forceinline__ T from_f32(float v);
template <>
__device__ __forceinline__ __half from_f32<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

__device__ __forceinline__ int grid_start() { return blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int grid_stride() { return gridDim.x * blockDim.x; }

// y[i] = In(x[i]), i < n
template <typename In>
__device__ __forceinline__ void convert_in(const float* x, In* y, int n) {
  for (int i = grid_start(); i < n; i += grid_stride()) y[i] = from_f32<In>(x[i]);
}

// y[i] = float(x[i]), i < n
template <typename In>
__device__ __forceinline__ void convert_out(const In* x, float* y, int n) {
  for (int i = grid_start(); i < n; i += grid_stride()) y[i] = to_f32(x[i]);
}

// NHWC x [batch, h, w, c] -> patch matrix dst [batch * oh * ow, ldd]: row (b, oy, ox), column
// (i * kw + j) * c + ch = x[b, oy*sh + i*dh - padTop, ox*sw + j*dw - padLeft, ch] or 0 outside;
// columns kh*kw*c .. ldd-1 are zero (the GEMMs read X in multiples of 8 columns).
template <typename In>
__device__ __forceinline__ void im2col(const In* x, In* dst, int batch, int h, int w, int c, int kh,
                                       int kw, int oh, int ow, int sh, int sw, int dh, int dw,
                                       int padTop, int padLeft, int ldd) {
  const int k = kh * kw * c;
  const int rows = batch * oh * ow;
  const long long total = (long long)rows * ldd;
  for (long long e = grid_start(); e < total; e += grid_stride()) {
    const int row = (int)(e / ldd), col = (int)(e % ldd);
    float v = 0.f;
    if (col < k) {
      const int ch = col % c, ij = col / c, j = ij % kw, i = ij / kw;
      const int ox = row % ow, oy = (row / ow) % oh, b = row / (ow * oh);
      const int iy = oy * sh + i * dh - padTop, ix = ox * sw + j * dw - padLeft;
      if (iy >= 0 && iy < h && ix >= 0 && ix < w) v = to_f32(x[(((size_t)b * h + iy) * w + ix) * c + ch]);
    }
    dst[e] = from_f32<In>(v);
  }
}

// Max (is_max != 0) or average pooling, NHWC, padding cells skipped (average over the cells
// inside the image, as TFLite and our reference do); then the fused activation.
template <typename In>
__device__ __forceinline__ void pool(const In* x, In* y, int batch, int h, int w, int c, int oh,
                                     int ow, int fh, int fw, int sh, int sw, int padTop, int padLeft,
                                     int is_max, int act) {
  const int total = batch * oh * ow * c;
  for (int e = grid_start(); e < total; e += grid_stride()) {
    const int ch = e % c, ox = (e / c) % ow, oy = (e / (c * ow)) % oh, b = e / (c * ow * oh);
    const int y0 = max(oy * sh - padTop, 0), y1 = min(oy * sh - padTop + fh, h);
    const int x0 = max(ox * sw - padLeft, 0), x1 = min(ox * sw - padLeft + fw, w);
    float acc = is_max ? -INFINITY : 0.f;
    for (int iy = y0; iy < y1; ++iy)
      for (int ix = x0; ix < x1; ++ix) {
        const float v = to_f32(x[(((size_t)b * h + iy) * w + ix) * c + ch]);
        if (is_max) acc = (v > acc || v != v) ? v : acc;  // NaN propagates, as Math.max
        else acc += v;
      }
    const int count = (y1 - y0) * (x1 - x0);
    if (!is_max) acc = count <= 0 ? 0.f : acc / count;
    y[e] = from_f32<In>(activate(acc, act));
  }
}

// y[r, j] = act(x[r * ldx + j] + bias[j]) for r < rows, j < cols, stored as out_type (f32/f16/bf16)
__device__ __forceinline__ void bias_act(const float* x, const float* bias, void* y, int rows,
                                         int cols, int ldx, int ldy, int act, int out_type) {
  const int total = rows * cols;
  for (int e = grid_start(); e < total; e += grid_stride()) {
    const int r = e / cols, j = e % cols;
    const float v = activate(x[(size_t)r * ldx + j] + (bias != nullptr ? bias[j] : 0.f), act);
    const size_t at = (size_t)r * ldy + j;
    if (out_type == kOutF16) store_out(static_cast<__half*>(y) + at, v);
    else if (out_type == kOutBf16) store_out(static_cast<__nv_bfloat16*>(y) + at, v);
    else store_out(static_cast<float*>(y) + at, v);
  }
}

// y[n, m] = sum_k w[m, k] * x[n * ldx + k], fp32 accumulation in k order (W row-major [M, K]).
template <typename In>
__device__ __forceinline__ void dense_gemm_reference(const In* w, const In* x, int ldx, float* y,
                                                     int ldy, int M, int N, int K) {
  const int total = M * N;
  for (int e = grid_start(); e < total; e += grid_stride()) {
    const int n = e / M, m = e % M;
    float s = 0.f;
    for (int k = 0; k < K; ++k) s += to_f32(w[(size_t)m * K + k]) * to_f32(x[(size_t)n * ldx + k]);
    y[(size_t)n * ldy + m] = s;
  }
}
}  // namespace s24

#define S24_OPS(IN, INNAME)                                                                        \
  extern "C" __global__ void s24_convert_in_##INNAME(const float* x, IN* y, int n) {             \
    s24::convert_in(x, y, n);                                                                     \
  }                                                                                               \
  extern "C" __global__ void s24_convert_out_##INNAME(const IN* x, float* y, int n) {            \
    s24::convert_out(x, y, n);                                                                    \
  }                                                                                               \
  extern "C" __global__ void s24_im2col_##INNAME(const IN* x, IN* dst, int batch, int h, int w,  \
                                                 int c, int kh, int kw, int oh, int ow, int sh,  \
                                                 int sw, int dh, int dw, int padTop,             \
                                                 int padLeft, int ldd) {                         \
    s24::im2col(x, dst, batch, h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft, ldd);   \
  }                                                                                               \
  extern "C" __global__ void s24_pool_##INNAME(const IN* x, IN* y, int batch, int h, int w,      \
                                               int c, int oh, int ow, int fh, int fw, int sh,    \
                                               int sw, int padTop, int padLeft, int is_max,      \
                                               int act) {                                        \
    s24::pool(x, y, batch, h, w, c, oh, ow, fh, fw, sh, sw, padTop, padLeft, is_max, act);       \
  }                                                                                               \
  extern "C" __global__ void s24_dense_gemm_reference_##INNAME(const IN* w, const IN* x, int ldx, \
                                                               float* y, int ldy, int M, int N,   \
                                                               int K) {                           \
    s24::dense_gemm_reference(w, x, ldx, y, ldy, M, N, K);                                        \
  }

S24_OPS(__half, f16)
S24_OPS(__nv_bfloat16, bf16)

extern "C" __global__ void s24_bias_act(const float* x, const float* bias, void* y, int rows,
                                        int cols, int ldx, int ldy, int act, int out_type) {
  s24::bias_act(x, bias, y, rows, cols, ldx, ldy, act, out_type);
}

extern "C" __global__ void s24_fill_u32(unsigned* p, unsigned v, int n) {
  for (int i = s24::grid_start(); i < n; i += s24::grid_stride()) p[i] = v;
}
