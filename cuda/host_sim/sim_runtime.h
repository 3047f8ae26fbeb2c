// sim_runtime.h - runs our CUDA kernel source on CPU threads, so that its indexing (shared
// memory swizzles, cp.async pieces, ldmatrix addresses, fragment coordinates, split-K fixup,
// epilogue) can be checked without a GPU. Included by sparse24_common.cuh when S24_HOST_SIM
// is defined; built by cuda/host_sim/build.sh with g++ (C++20) and the CUDA headers only.
//
// Model: one std::thread per CUDA thread; CTAs run one after another (so split-K's "last CTA"
// is always the last one launched, and static shared variables need no per-CTA copy);
// __syncthreads is a CTA-wide std::barrier; warp-wide instructions (mma.sp, ldmatrix) are a
// rendezvous of the warp's 32 threads: each posts its operands, all compute their own
// results from everyone's, as docs/mma-sp-layout.md defines them (the same rules as the Java
// MmaSpEmulator), and an undefined metadata code aborts. cp.async completes immediately.
// What this cannot check: timing, cp.async ordering/races, bank conflicts, register use.
#pragma once

#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <vector_types.h>

// g++ sees CUDA's qualifiers as empty; shared variables must be shared by the CTA's threads.
#undef __shared__
#define __shared__ static
#ifndef __launch_bounds__
#define __launch_bounds__(...)
#endif

inline thread_local uint3 threadIdx;
inline thread_local uint3 blockIdx;
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;

inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline float __ldg(const float* p) { return *p; }
inline float __ldcg(const float* p) { return *p; }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline unsigned atomicAdd(unsigned* p, unsigned v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

namespace s24sim {

struct WarpSlots {
  std::unique_ptr<std::barrier<>> barrier;
  uint32_t a[32][4], b[32][4], e[32], addr[32];
};

struct Cta {
  std::vector<uint8_t> smem;
  std::unique_ptr<std::barrier<>> barrier;
  std::vector<WarpSlots> warps;
};

inline thread_local Cta* cta = nullptr;

inline uint8_t* dynamic_smem() { return cta->smem.data(); }

inline uint32_t smem_offset(const void* p) {
  return static_cast<uint32_t>(static_cast<const uint8_t*>(p) - cta->smem.data());
}

inline void check_smem(uint32_t off, int bytes, const char* what) {
  if (off + bytes > cta->smem.size() || off % bytes != 0) {
    std::fprintf(stderr, "sim: %s at shared offset %u (%d bytes) outside %zu bytes or misaligned\n", what,
                 off, bytes, cta->smem.size());
    std::abort();
  }
}

inline void cp_async(uint32_t dst, const void* src, int size, int src_bytes) {
  check_smem(dst, size, "cp.async");
  std::memset(cta->smem.data() + dst, 0, size);
  if (src_bytes > 0) {
    if (reinterpret_cast<uintptr_t>(src) % size != 0) {
      std::fprintf(stderr, "sim: cp.async source %p not %d-byte aligned\n", src, size);
      std::abort();
    }
    std::memcpy(cta->smem.data() + dst, src, src_bytes);
  }
}

inline float half_to_float(uint32_t bits, bool f16) {
  bits &= 0xFFFFu;
  if (f16) {
    __half_raw r;
    r.x = static_cast<unsigned short>(bits);
    return __half2float(__half(r));
  }
  uint32_t w = bits << 16;
  float f;
  std::memcpy(&f, &w, 4);
  return f;
}

inline WarpSlots& warp() { return cta->warps[threadIdx.x >> 5]; }

template <bool F16, int Sel>
inline void mma_sp(float (&d)[4], const uint4& a, const uint32_t (&b)[4], uint32_t e) {
  WarpSlots& w = warp();
  const int lane = threadIdx.x & 31;
  w.a[lane][0] = a.x; w.a[lane][1] = a.y; w.a[lane][2] = a.z; w.a[lane][3] = a.w;
  for (int r = 0; r < 4; ++r) w.b[lane][r] = b[r];
  w.e[lane] = e;
  w.barrier->arrive_and_wait();
  const int g = lane >> 2, t = lane & 3;
  for (int r = 0; r < 4; ++r) {
    const int row = g + 8 * (r >> 1), n = 2 * t + (r & 1);
    double sum = d[r];
    for (int q = 0; q < 8; ++q) {
      const int elane = 4 * (row & 7) + 2 * Sel + (q >> 2);
      const uint32_t code = (w.e[elane] >> (16 * (row >> 3) + 4 * (q & 3))) & 0xFu;
      if ((code & 3u) >= (code >> 2)) {
        std::fprintf(stderr, "sim: mma.sp with undefined metadata code 0x%X (row %d, chunk %d, lane %d, sel %d)\n",
                     code, row, q, elane, Sel);
        std::fprintf(stderr, "sim: block (%u,%u,%u) warp %u, E registers:", blockIdx.x, blockIdx.y, blockIdx.z,
                     threadIdx.x >> 5);
        for (int l = 0; l < 32; ++l) std::fprintf(stderr, " %08x", w.e[l]);
        std::fprintf(stderr, "\n");
        std::abort();
      }
      for (int p = 0; p < 2; ++p) {
        const int c = 2 * q + p;  // compressed column
        const uint32_t areg = w.a[4 * (row & 7) + ((c & 7) >> 1)][(row >> 3) | ((c >> 3) << 1)];
        const int k = 4 * q + static_cast<int>(p == 0 ? code & 3u : code >> 2);
        const uint32_t breg = w.b[4 * n + ((k & 7) >> 1)][k >> 3];
        sum += static_cast<double>(half_to_float(areg >> (16 * (c & 1)), F16)) *
               half_to_float(breg >> (16 * (k & 1)), F16);
      }
    }
    d[r] = static_cast<float>(sum);
  }
  w.barrier->arrive_and_wait();  // nobody overwrites the slots before all have read them
}

inline void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
  WarpSlots& w = warp();
  const int lane = threadIdx.x & 31;
  check_smem(addr, 16, "ldmatrix row");
  w.addr[lane] = addr;
  w.barrier->arrive_and_wait();
  const int g = lane >> 2, t = lane & 3;
  for (int m = 0; m < 4; ++m) std::memcpy(&r[m], cta->smem.data() + w.addr[8 * m + g] + 4 * t, 4);
  w.barrier->arrive_and_wait();
}

// Runs kernel() on grid x block CPU threads, CTA after CTA.
template <typename Kernel>
inline void launch(dim3 grid, dim3 block, size_t smem_bytes, Kernel kernel) {
  if (block.x % 32 != 0 || block.y != 1 || block.z != 1) {
    std::fprintf(stderr, "sim: block must be (32k, 1, 1)\n");
    std::abort();
  }
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        Cta c;
        c.smem.assign(smem_bytes + 16, 0xA5);  // garbage, like real shared memory
        c.smem.resize(smem_bytes);
        c.barrier = std::make_unique<std::barrier<>>(block.x);
        c.warps.resize(block.x / 32);
        for (auto& w : c.warps) w.barrier = std::make_unique<std::barrier<>>(32);
        std::vector<std::thread> threads;
        threads.reserve(block.x);
        for (unsigned i = 0; i < block.x; ++i) {
          threads.emplace_back([&, i] {
            cta = &c;
            threadIdx = make_uint3(i, 0, 0);
            blockIdx = make_uint3(x, y, z);
            blockDim = block;
            gridDim = grid;
            kernel();
            // An exited thread no longer holds up barriers (as on the GPU).
            c.warps[i / 32].barrier->arrive_and_drop();
            c.barrier->arrive_and_drop();
          });
        }
        for (auto& th : threads) th.join();
      }
}

}  // namespace s24sim

inline void __syncthreads() { s24sim::cta->barrier->arrive_and_wait(); }
