// sparse24.cu - the one translation unit nvcc turns into sparse24.fatbin (build.sh). Each
// kernel family lives in its own file; this file only gathers them so that one module holds
// every kernel (cuModuleLoadData once, then cuModuleGetFunction by the extern "C" names).
#include "mma_sp_probe.cu"     // s24_mma_sp_probe_{f16,bf16}_sel{0,1}: one mma.sp, first GPU check
#include "sparse_gemm_reference.cu"   // s24_sparse_gemm_reference_{f16,bf16}_f32: scalar oracle, portable format
#include "sparse_gemm_small_batch.cu" // s24_sparse_gemm_small_n{8,16,32,64}_{in}: N <= 64, streams weights
#include "sparse_gemm_tiled.cu"       // s24_sparse_gemm_tiled_{in}: N > 64, cp.async + ldmatrix tiles
#include "ops.cu"             // conversions, im2col, pooling, bias+activation, fill, dense oracle
