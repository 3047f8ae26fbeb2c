// sim_device.h - the host simulation as a "device" for the Java CUDA backend (java/cuda,
// SimDevice through JavaCPP): device memory is host memory, copies are memcpy, and a kernel is
// launched by its extern "C" name with its arguments packed as 64-bit slots (pointer, int, or
// a float's bits), the way cuLaunchKernel takes them. Header-only: JavaCPP's Builder compiles
// it (with -std=c++20 -pthread) into the JNI library of dev.sparse24.runtime.cuda.SimNative.
//
// Launches are serialised by one mutex: the simulation maps __shared__ to static variables
// (sim_runtime.h), which two concurrent launches would share. The Java executor still gives
// every concurrent run its own stream and workspace; the simulation just runs them in turn.
#pragma once
#define S24_HOST_SIM 1
#include "sparse24.cu"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace s24sim_api {
template <typename T>
inline T P(long long v) { return reinterpret_cast<T>(static_cast<uintptr_t>(v)); }
inline int I(long long v) { return static_cast<int>(v); }
inline unsigned U(long long v) { return static_cast<unsigned>(v); }

struct Entry {
  const char* name;
  int nargs;
  void (*fn)(const long long* a);
};

#define S24_SIM_SPMM(NAME, IN)                                                                      \
  {#NAME, 16, [](const long long* a) {                                                                \
     NAME(P<const uint4*>(a[0]), P<const uint4*>(a[1]), P<const IN*>(a[2]), I(a[3]),               \
          P<const float*>(a[4]), P<void*>(a[5]), I(a[6]), I(a[7]), I(a[8]), I(a[9]), I(a[10]),     \
          I(a[11]), I(a[12]), I(a[13]), P<float*>(a[14]), P<unsigned*>(a[15]));                   \
   }}
#define S24_SIM_OPS(IN, N)                                                                          \
  {"s24_convert_in_" #N, 3, [](const long long* a) { s24_convert_in_##N(P<const float*>(a[0]), P<IN*>(a[1]), I(a[2])); }}, \
  {"s24_convert_out_" #N, 3, [](const long long* a) { s24_convert_out_##N(P<const IN*>(a[0]), P<float*>(a[1]), I(a[2])); }}, \
  {"s24_im2col_" #N, 17, [](const long long* a) {                                                    \
     s24_im2col_##N(P<const IN*>(a[0]), P<IN*>(a[1]), I(a[2]), I(a[3]), I(a[4]), I(a[5]), I(a[6]),  \
                    I(a[7]), I(a[8]), I(a[9]), I(a[10]), I(a[11]), I(a[12]), I(a[13]), I(a[14]),   \
                    I(a[15]), I(a[16]));                                                            \
   }},                                                                                              \
  {"s24_pool_" #N, 16, [](const long long* a) {                                                      \
     s24_pool_##N(P<const IN*>(a[0]), P<IN*>(a[1]), I(a[2]), I(a[3]), I(a[4]), I(a[5]), I(a[6]),    \
                  I(a[7]), I(a[8]), I(a[9]), I(a[10]), I(a[11]), I(a[12]), I(a[13]), I(a[14]),     \
                  I(a[15]));                                                                        \
   }},                                                                                              \
  {"s24_dense_gemm_reference_" #N, 8, [](const long long* a) {                                       \
     s24_dense_gemm_reference_##N(P<const IN*>(a[0]), P<const IN*>(a[1]), I(a[2]), P<float*>(a[3]), \
                                  I(a[4]), I(a[5]), I(a[6]), I(a[7]));                             \
   }}

inline const Entry kKernels[] = {
    S24_SIM_SPMM(s24_sparse_gemm_small_n8_f16, __half),  S24_SIM_SPMM(s24_sparse_gemm_small_n8_bf16, __nv_bfloat16),
    S24_SIM_SPMM(s24_sparse_gemm_small_n16_f16, __half), S24_SIM_SPMM(s24_sparse_gemm_small_n16_bf16, __nv_bfloat16),
    S24_SIM_SPMM(s24_sparse_gemm_small_n32_f16, __half), S24_SIM_SPMM(s24_sparse_gemm_small_n32_bf16, __nv_bfloat16),
    S24_SIM_SPMM(s24_sparse_gemm_small_n64_f16, __half), S24_SIM_SPMM(s24_sparse_gemm_small_n64_bf16, __nv_bfloat16),
    S24_SIM_SPMM(s24_sparse_gemm_tiled_f16, __half),     S24_SIM_SPMM(s24_sparse_gemm_tiled_bf16, __nv_bfloat16),
    S24_SIM_OPS(__half, f16),
    S24_SIM_OPS(__nv_bfloat16, bf16),
    {"s24_bias_act", 9, [](const long long* a) {
       s24_bias_act(P<const float*>(a[0]), P<const float*>(a[1]), P<void*>(a[2]), I(a[3]), I(a[4]),
                    I(a[5]), I(a[6]), I(a[7]), I(a[8]));
     }},
    {"s24_fill_u32", 3, [](const long long* a) { s24_fill_u32(P<unsigned*>(a[0]), U(a[1]), I(a[2])); }},
};

inline std::mutex& launch_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace s24sim_api

// Runs kernel `name` on grid (gx, gy, gz) x block threads with `smem` bytes of dynamic shared
// memory. Returns 0, -1 for an unknown kernel, -2 when nargs is not the kernel's count.
inline int s24sim_launch(const char* name, int gx, int gy, int gz, int block, int smem,
                         const long long* args, int nargs) {
  for (const auto& e : s24sim_api::kKernels) {
    if (std::strcmp(e.name, name) != 0) continue;
    if (e.nargs != nargs) return -2;
    std::lock_guard<std::mutex> lock(s24sim_api::launch_mutex());
    s24sim::launch(dim3(gx, gy, gz), dim3(block), static_cast<size_t>(smem), [&] { e.fn(args); });
    return 0;
  }
  return -1;
}

// Device memory of the simulation: 256-byte aligned host memory (cudaMalloc's alignment).
inline int64_t s24sim_alloc(int64_t bytes) {
  size_t n = (static_cast<size_t>(bytes) + 255) / 256 * 256;
  return static_cast<int64_t>(reinterpret_cast<uintptr_t>(std::aligned_alloc(256, n == 0 ? 256 : n)));
}

inline void s24sim_free(int64_t p) { std::free(reinterpret_cast<void*>(static_cast<uintptr_t>(p))); }

inline void s24sim_copy(int64_t dst, int64_t src, int64_t bytes) {
  std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(dst)),
              reinterpret_cast<const void*>(static_cast<uintptr_t>(src)), static_cast<size_t>(bytes));
}
