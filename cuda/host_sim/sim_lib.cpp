// sim_lib.cpp - the kernels of ../sparse24.cu compiled for the CPU (S24_HOST_SIM), exported
// with a C ABI for bench/gpu/sparse24_gpu.py --sim (ctypes). See sim_runtime.h for the model.
#define S24_HOST_SIM 1
#include "sparse24.cu"

#include <cstring>

namespace {
using Spmm = void (*)(const void*, const void*, const void*, int, const float*, void*, int, int, int,
                      int, int, int, int, int, float*, unsigned*);

#define S24_SIM_SPMM(NAME, IN)                                                                        \
  {#NAME, [](const void* wv, const void* wm, const void* x, int ldx, const float* bias, void* y,     \
             int ldy, int ot, int M, int N, int kx, int kc, int units, int act, float* ws,            \
             unsigned* ctr) {                                                                         \
     NAME(static_cast<const uint4*>(wv), static_cast<const uint4*>(wm), static_cast<const IN*>(x),   \
          ldx, bias, y, ldy, ot, M, N, kx, kc, units, act, ws, ctr);                                  \
   }}

struct Entry {
  const char* name;
  Spmm fn;
};

const Entry kSpmm[] = {
    S24_SIM_SPMM(s24_sparse_gemm_small_n8_f16, __half),  S24_SIM_SPMM(s24_sparse_gemm_small_n8_bf16, __nv_bfloat16),
    S24_SIM_SPMM(s24_sparse_gemm_small_n16_f16, __half), S24_SIM_SPMM(s24_sparse_gemm_small_n16_bf16, __nv_bfloat16),
    S24_SIM_SPMM(s24_sparse_gemm_small_n32_f16, __half), S24_SIM_SPMM(s24_sparse_gemm_small_n32_bf16, __nv_bfloat16),
    S24_SIM_SPMM(s24_sparse_gemm_small_n64_f16, __half), S24_SIM_SPMM(s24_sparse_gemm_small_n64_bf16, __nv_bfloat16),
    S24_SIM_SPMM(s24_sparse_gemm_tiled_f16, __half),     S24_SIM_SPMM(s24_sparse_gemm_tiled_bf16, __nv_bfloat16),
};
}  // namespace

extern "C" int s24_sim_sparse_gemm(const char* name, int gx, int gy, int gz, int threads, int smem,
                            const void* wv, const void* wm, const void* x, int ldx, const float* bias,
                            void* y, int ldy, int out_type, int M, int N, int kx, int kChunks,
                            int units, int act, float* ws, unsigned* counters) {
  for (const Entry& e : kSpmm) {
    if (std::strcmp(e.name, name) == 0) {
      s24sim::launch(dim3(gx, gy, gz), dim3(threads), smem, [&] {
        e.fn(wv, wm, x, ldx, bias, y, ldy, out_type, M, N, kx, kChunks, units, act, ws, counters);
      });
      return 0;
    }
  }
  return -1;
}

extern "C" int s24_sim_probe(const char* name, const uint32_t* a, const uint32_t* b, const float* c,
                             const uint32_t* e, float* d) {
  void (*fn)(const uint32_t*, const uint32_t*, const float*, const uint32_t*, float*) = nullptr;
  if (!std::strcmp(name, "s24_mma_sp_probe_f16_sel0")) fn = s24_mma_sp_probe_f16_sel0;
  if (!std::strcmp(name, "s24_mma_sp_probe_f16_sel1")) fn = s24_mma_sp_probe_f16_sel1;
  if (!std::strcmp(name, "s24_mma_sp_probe_bf16_sel0")) fn = s24_mma_sp_probe_bf16_sel0;
  if (!std::strcmp(name, "s24_mma_sp_probe_bf16_sel1")) fn = s24_mma_sp_probe_bf16_sel1;
  if (fn == nullptr) return -1;
  s24sim::launch(dim3(1), dim3(32), 0, [&] { fn(a, b, c, e, d); });
  return 0;
}

extern "C" int s24_sim_reference(const char* name, int gx, int gy, const void* values,
                                 const uint32_t* meta, const void* x, int ldx, const float* bias,
                                 float* y, int ldy, int M, int N, int K, int act) {
  bool f16 = !std::strcmp(name, "s24_sparse_gemm_reference_f16_f32");
  if (!f16 && std::strcmp(name, "s24_sparse_gemm_reference_bf16_f32")) return -1;
  s24sim::launch(dim3(gx, gy), dim3(128), 0, [&] {
    if (f16)
      s24_sparse_gemm_reference_f16_f32(static_cast<const __half*>(values), meta, static_cast<const __half*>(x),
                                 ldx, bias, y, ldy, M, N, K, act);
    else
      s24_sparse_gemm_reference_bf16_f32(static_cast<const __nv_bfloat16*>(values), meta,
                                  static_cast<const __nv_bfloat16*>(x), ldx, bias, y, ldy, M, N, K, act);
  });
  return 0;
}
