#!/usr/bin/env python3
"""Sparse24 GPU workbench: check our 2:4 mma.sp kernels, then time them against cuBLAS and
PyTorch's semi-structured sparsity. Runs on the GPU machine with Python, NumPy, CuPy and
PyTorch only (no Java): the Java side prepared the bundle (fatbin + test vectors).

    python3 bench/gpu/sparse24_gpu.py --bundle DIR --out OUTDIR      # everything (GPU)
    python3 bench/gpu/sparse24_gpu.py --bundle DIR --cpu-only        # host-side checks only

Order of work (each step stops the run when it fails, since later steps rely on it):
  0. host checks (no GPU): this script's packer reproduces the Java packer byte for byte on
     every bundled case, and its plan() agrees with Java's SparseGemmPlan on every bundled row;
  1. one mma.sp with random metadata, sel 0 and 1, f16 and bf16, against the Java emulator's
     answer (exact: small integers) - the layout everything else rests on;
  2. every kernel (scalar reference, small-batch at every fitting n tile, tiled; with and
     without split-K; every output type and activation) on the bundled cases, every output
     element, output buffers poisoned with NaN first;
  3. fresh random data on the benchmark shapes (packed here, by the packer checked in step 0),
     every output element against a float64 reference computed on the GPU;
  4. timing with CUDA events: warm-up, median of groups, weights and inputs rotated so that L2
     does not hold them; ours vs torch.matmul fp16 (cuBLAS) vs to_sparse_semi_structured.
Writes OUTDIR/results.json (docs/bench-results.md shape), OUTDIR/checks.json, and prints one
table last.
"""
import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

ROW_BLOCK, K_STEP, K_CHUNK = 32, 32, 128
SMALL_BATCH_MAX_N, TILED_STAGES, CTA_ROWS, TILED_N, TILED_K = 64, 4, 128, 128, 64
TILED_STAGE_BYTES = 4 * 2 * 2 * 512 + 4 * 32 * 8 + TILED_N * TILED_K * 2
OUT_TYPES = {"f32": 0, "f16": 1, "bf16": 2}
CODES = np.array([0x4, 0x8, 0x9, 0xC, 0xD, 0xE], dtype=np.uint32)
BENCH_SHAPES = [(4096, 4096), (8192, 8192), (4096, 11008)]
BENCH_N = [1, 8, 16, 32, 64, 256, 4096]


# ------------------------------------------------------------------------------------------
# Host side: the same packing and plan as the Java library (checked against it in step 0).

def _code_table():
    """Metadata code per non-zero mask (bit i = position i non-zero); -1 for > 2 non-zeros.
    Two non-zeros name themselves; fewer follow PyTorch's table (CompressedWeights)."""
    t = np.full(16, -1, dtype=np.int64)
    for mask in range(16):
        bits = [i for i in range(4) if mask >> i & 1]
        if len(bits) == 2:
            t[mask] = bits[0] | bits[1] << 2
    t[0b0000] = t[0b1000] = t[0b0100] = 0xE
    t[0b0010] = 0x9
    t[0b0001] = 0x8
    return t


CODE_TABLE = _code_table()


def compress(w):
    """Dense [M, K] float32 holding 2:4 -> (values [M, pc/2] float32, codes [M, pc/4] uint32)."""
    m, k = w.shape
    pc = (k + 3) // 4 * 4
    wp = np.zeros((m, pc), dtype=np.float32)
    wp[:, :k] = w
    g = wp.reshape(m, pc // 4, 4)
    nz = (g != 0).astype(np.int64)
    mask = nz[..., 0] | nz[..., 1] << 1 | nz[..., 2] << 2 | nz[..., 3] << 3
    codes = CODE_TABLE[mask]
    if (codes < 0).any():
        r, j = np.argwhere(codes < 0)[0]
        raise ValueError(f"not 2:4 sparse: row {r}, group {j}")
    idx = np.stack([codes & 3, codes >> 2], axis=-1)
    values = np.take_along_axis(g, idx, axis=-1).reshape(m, pc // 2)
    return values, codes.astype(np.uint32)


def portable_metadata(codes):
    """Row-major nibble stream, 8 groups per little-endian uint32, filler 0x4."""
    flat = codes.reshape(-1)
    words = (flat.size + 7) // 8
    padded = np.full(words * 8, 0x4, dtype=np.uint32)
    padded[: flat.size] = flat
    shifts = (4 * np.arange(8, dtype=np.uint32))
    return np.bitwise_or.reduce(padded.reshape(words, 8) << shifts, axis=1).astype(np.uint32)


def to_half_bits(values, precision):
    """float32 array -> uint16 bit patterns, round to nearest even."""
    v = np.ascontiguousarray(values, dtype=np.float32)
    if precision == "f16":
        with np.errstate(over="ignore"):  # overflow to infinity is the intended result
            return v.astype(np.float16).view(np.uint16)
    bits = v.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(v)
    rounded[nan] = ((bits[nan] >> 16) | 0x40).astype(np.uint16)
    return rounded


def half_bits_to_float(bits, precision):
    bits = np.asarray(bits, dtype=np.uint16)
    if precision == "f16":
        return bits.view(np.float16).astype(np.float32)
    return (bits.astype(np.uint32) << 16).view(np.float32)


def pack(w, precision):
    """Dense [M, K] 2:4 -> (wv uint16 flat, wm uint32 flat, kChunks): LanePackedWeights layout."""
    m, k = w.shape
    values, codes = compress(w)
    rb = (m + ROW_BLOCK - 1) // ROW_BLOCK
    kc = ((k + 3) // 4 * 4 + K_CHUNK - 1) // K_CHUNK
    vp = np.zeros((rb * 32, kc * 64), dtype=np.uint16)
    vp[:m, : values.shape[1]] = to_half_bits(values, precision)
    # row = 32 rb + 16 tile + 8 rlo + g ; col = 64 kc + 16 step + 8 rhi + 2 t + h
    v = vp.reshape(rb, 2, 2, 8, kc, 4, 2, 4, 2)
    #            rb tile rlo g  kc step rhi t  h  ->  rb kc step tile g t rhi rlo h
    wv = v.transpose(0, 4, 5, 1, 3, 7, 6, 2, 8).reshape(-1)
    cp = np.full((rb * 32, kc * 32), 0x4, dtype=np.uint32)
    cp[:m, : codes.shape[1]] = codes
    # row = 32 rb + 16 s + 8 half + g ; group = 32 kc + 8 step + 4 j + c
    c = cp.reshape(rb, 2, 2, 8, kc, 4, 2, 4)
    #              rb s half g kc step j c  ->  rb kc g s j step half c
    c = c.transpose(0, 4, 3, 1, 6, 5, 2, 7)
    shifts = (16 * np.arange(2, dtype=np.uint32))[:, None] + 4 * np.arange(4, dtype=np.uint32)[None, :]
    wm = np.bitwise_or.reduce((c << shifts).reshape(rb, kc, 8, 2, 2, 4, 8), axis=-1)
    return np.ascontiguousarray(wv), np.ascontiguousarray(wm.reshape(-1).astype(np.uint32)), kc


def plan(m, k, n, sm_count):
    """SparseGemmPlan.choose, line for line."""
    ceil = lambda a, b: (a + b - 1) // b
    row_blocks = ceil(m, ROW_BLOCK)
    k_chunks = ceil((k + 3) // 4 * 4, K_CHUNK)
    grid_x = ceil(row_blocks, CTA_ROWS // ROW_BLOCK)
    ws_rows = grid_x * CTA_ROWS
    if n <= SMALL_BATCH_MAX_N:
        n_tile = 8 if n <= 8 else 16 if n <= 16 else 32 if n <= 32 else 64
        wanted = ceil(2 * sm_count, grid_x)
        cap = max(1, 16 * k_chunks // n)
        splits = max(1, min(k_chunks, min(wanted, cap)))
        per = ceil(k_chunks, splits)
        splits = ceil(k_chunks, per)
        return dict(kernel="SMALL_BATCH", nTile=n_tile, gridX=grid_x, gridY=splits, gridZ=1,
                    threads=128, smem=2 * n_tile * K_CHUNK * 2, splits=splits, unitsPerSplit=per,
                    workspaceBytes=splits * n * ws_rows * 4 if splits > 1 else 0,
                    counters=grid_x if splits > 1 else 0)
    grid_y = ceil(n, TILED_N)
    halves = k_chunks * (K_CHUNK // TILED_K)
    tiles = grid_x * grid_y
    splits = 1
    if tiles < sm_count:
        splits = max(1, min(max(1, halves // 8), ceil(sm_count, tiles)))
    per = ceil(halves, splits)
    splits = ceil(halves, per)
    return dict(kernel="TILED", nTile=TILED_N, gridX=grid_x, gridY=grid_y, gridZ=splits,
                threads=256, smem=TILED_STAGES * TILED_STAGE_BYTES, splits=splits,
                unitsPerSplit=per, workspaceBytes=splits * n * ws_rows * 4 if splits > 1 else 0,
                counters=tiles if splits > 1 else 0)


def forced_plan(kind, m, k, n, n_tile=None, splits=1):
    """A launch shape other than plan()'s choice, so that every kernel variant gets tested."""
    ceil = lambda a, b: (a + b - 1) // b
    grid_x = ceil(ceil(m, ROW_BLOCK), 4)
    k_chunks = ceil((k + 3) // 4 * 4, K_CHUNK)
    units = k_chunks if kind == "SMALL_BATCH" else 2 * k_chunks
    per = ceil(units, max(1, min(splits, units)))
    splits = ceil(units, per)
    ws = splits * n * grid_x * CTA_ROWS * 4 if splits > 1 else 0
    if kind == "SMALL_BATCH":
        return dict(kernel=kind, nTile=n_tile, gridX=grid_x, gridY=splits, gridZ=1, threads=128,
                    smem=2 * n_tile * K_CHUNK * 2, splits=splits, unitsPerSplit=per,
                    workspaceBytes=ws, counters=grid_x if splits > 1 else 0)
    grid_y = ceil(n, TILED_N)
    return dict(kernel=kind, nTile=TILED_N, gridX=grid_x, gridY=grid_y, gridZ=splits, threads=256,
                smem=TILED_STAGES * TILED_STAGE_BYTES, splits=splits, unitsPerSplit=per,
                workspaceBytes=ws, counters=grid_x * grid_y if splits > 1 else 0)


def symbol(p, precision):
    if p["kernel"] == "SMALL_BATCH":
        return f"s24_sparse_gemm_small_n{p['nTile']}_{precision}"
    return f"s24_sparse_gemm_tiled_{precision}"


# ------------------------------------------------------------------------------------------
# Bundle reading

class Bundle:
    def __init__(self, directory):
        self.dir = directory
        with open(os.path.join(directory, "vectors.json")) as f:
            self.meta = json.load(f)
        with open(os.path.join(directory, "vectors.bin"), "rb") as f:
            self.data = f.read()

    def array(self, name):
        e = self.meta["arrays"][name]
        a = np.frombuffer(self.data, dtype=np.dtype(e["dtype"]).newbyteorder("<"),
                          count=e["bytes"] // np.dtype(e["dtype"]).itemsize, offset=e["offset"])
        return a.reshape(e["shape"]).astype(np.dtype(e["dtype"]))

    def fatbin(self):
        return os.path.join(self.dir, "sparse24.fatbin")


def host_checks(bundle, log):
    """Step 0: packer and plan parity with Java. Raises on the first difference."""
    for case in bundle.meta["cases"]:
        name, prec = case["name"], case["precision"]
        w = bundle.array(name + ".w")
        values, codes = compress(w)
        assert np.array_equal(to_half_bits(values, prec), bundle.array(name + ".values")), name
        assert np.array_equal(portable_metadata(codes), bundle.array(name + ".meta")), name
        wv, wm, kc = pack(w, prec)
        assert kc == case["kChunks"], name
        jv, jm = bundle.array(name + ".wv"), bundle.array(name + ".wm")
        if not np.array_equal(wv, jv):
            i = int(np.argmax(wv != jv))
            raise AssertionError(f"{name}: packed values differ from Java's at {i}: {wv[i]:#x} vs {jv[i]:#x}")
        if not np.array_equal(wm, jm):
            i = int(np.argmax(wm != jm))
            raise AssertionError(f"{name}: packed metadata differs from Java's at {i}: {wm[i]:#x} vs {jm[i]:#x}")
        # The bundled float64 reference agrees with a NumPy one.
        x = half_bits_to_float(bundle.array(name + ".x"), prec)[:, : case["K"]].astype(np.float64)
        y = x @ w.astype(np.float64).T
        assert np.allclose(y, bundle.array(name + ".y"), rtol=1e-12, atol=1e-9), name
    log(f"host: packer matches Java on {len(bundle.meta['cases'])} cases (values, metadata, lane layout)")
    cols = bundle.meta["plans"]["columns"]
    rows = bundle.meta["plans"]["rows"]
    for row in rows:
        jp = dict(zip(cols, row))
        pp = plan(jp["M"], jp["K"], jp["N"], jp["sm"])
        for key in cols[4:]:
            if pp[key] != jp[key]:
                raise AssertionError(f"plan differs from Java for {row[:4]}: {key} {pp[key]} vs {jp[key]}")
    log(f"host: plan() matches SparseGemmPlan on {len(rows)} shapes")
    # Self-test of the half conversion against NumPy's float16 on edge values.
    edge = np.array([65504, 65519.99, 65520, 2 ** -24, 2 ** -25, 0.1, -0.0, 1e10], dtype=np.float32)
    with np.errstate(over="ignore"):
        assert np.array_equal(to_half_bits(edge, "f16"), edge.astype(np.float16).view(np.uint16))
    assert to_half_bits(np.array([0.1], dtype=np.float32), "bf16")[0] == 0x3DCD


# ------------------------------------------------------------------------------------------
# GPU side

class Gpu:
    def __init__(self, fatbin):
        import cupy as cp
        import torch
        self.cp, self.torch = cp, torch
        self.dev = torch.device("cuda")
        # Make the device's primary context current first (PyTorch and CuPy share it), so that
        # the module loads into the context both of them launch in.
        torch.zeros(1, device=self.dev)
        cp.cuda.Device(torch.cuda.current_device()).use()
        # cuModuleLoadData on the bytes: works for fatbins whatever CuPy thinks of the suffix.
        self.module = cp.cuda.function.Module()
        with open(fatbin, "rb") as f:
            self.module.load(f.read())
        self.functions = {}
        props = torch.cuda.get_device_properties(0)
        self.sm_count = props.multi_processor_count
        self.name = props.name
        self.cc = (props.major, props.minor)

    def function(self, name, smem=0):
        f = self.functions.get(name)
        if f is None:
            f = self.module.get_function(name)
            self.functions[name] = f
        if smem > 48 * 1024:
            try:
                f.max_dynamic_shared_size_bytes = smem
            except AttributeError:  # older CuPy: the driver call directly
                # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8
                self.cp.cuda.driver.funcSetAttribute(f.ptr, 8, smem)
        return f

    @staticmethod
    def ptr(t):
        return np.uint64(0 if t is None else t.data_ptr())

    def launch(self, name, grid, block, smem, args):
        self.function(name, smem)(grid, block, args, shared_mem=smem)

    def check(self):
        self.torch.cuda.synchronize()


def torch_dtype(gpu, name):
    t = gpu.torch
    return {"f16": t.float16, "bf16": t.bfloat16, "f32": t.float32}[name]


def probe_checks(gpu, bundle, log):
    """Step 1: one mma.sp per (precision, sel) against the emulator. Exact."""
    t = gpu.torch
    results = []
    for name in bundle.meta["probes"]:
        prec, sel = name.split("_")[1], int(name[-1])
        def upload(suffix):
            arr = bundle.array(f"{name}.{suffix}")
            if arr.dtype == np.uint32:
                arr = arr.view(np.int32)  # torch has no uint32 arithmetic; the bits are what count
            return t.from_numpy(arr.copy()).to(gpu.dev)
        a, b, c, e, d = (upload(s) for s in "abced")
        out = t.full((32, 4), float("nan"), device=gpu.dev)
        gpu.launch(f"s24_mma_sp_probe_{prec}_sel{sel}", (1, 1, 1), (32, 1, 1), 0,
                   (gpu.ptr(a), gpu.ptr(b), gpu.ptr(c), gpu.ptr(e), gpu.ptr(out)))
        gpu.check()
        got = out.cpu().numpy()
        bad = np.argwhere(got != d.cpu().numpy())
        ok = bad.size == 0
        results.append(dict(probe=name, ok=ok, mismatches=int(len(bad))))
        log(f"probe {name}: {'OK (exact)' if ok else f'{len(bad)} of 128 differ, first lane/reg {bad[0].tolist()}'}")
    if not all(r["ok"] for r in results):
        raise AssertionError("mma.sp does not behave as docs/mma-sp-layout.md says: fix the layout before anything else")
    return results


def run_gemm(gpu, p, prec, wv, wm, x, ldx, bias, y, ldy, out_type, m, n, kx, k_chunks, act, ws, counters):
    args = (gpu.ptr(wv), gpu.ptr(wm), gpu.ptr(x), np.int32(ldx), gpu.ptr(bias), gpu.ptr(y),
            np.int32(ldy), np.int32(OUT_TYPES[out_type]), np.int32(m), np.int32(n), np.int32(kx),
            np.int32(k_chunks), np.int32(p["unitsPerSplit"]), np.int32(act), gpu.ptr(ws),
            gpu.ptr(counters))
    gpu.launch(symbol(p, prec), (p["gridX"], p["gridY"], p["gridZ"]), (p["threads"], 1, 1), p["smem"], args)


def scratch(gpu, p):
    t = gpu.torch
    ws = t.empty(max(1, p["workspaceBytes"] // 4), dtype=t.float32, device=gpu.dev) if p["splits"] > 1 else None
    ctr = t.zeros(max(1, p["counters"]), dtype=t.int32, device=gpu.dev) if p["splits"] > 1 else None
    return ws, ctr


def apply_epilogue(y64, bias, act):
    y = y64 + bias[None, :].astype(np.float64)
    if act == 1:
        y = np.maximum(y, 0)
    elif act == 2:
        y = np.minimum(np.maximum(y, 0), 6)
    return y


def compare(got, ref, abs_sum, out_type, exact):
    """Max error ratio (<= 1 passes) and count of failing elements (NaN = never written)."""
    got = got.astype(np.float64)
    if exact and out_type == "f32":
        tol = np.zeros_like(ref)
    else:
        rounding = {"f32": 2.0 ** -24, "f16": 2.0 ** -11, "bf16": 2.0 ** -8}[out_type]
        tol = 5e-5 * abs_sum + rounding * np.abs(ref) + 1e-6
    err = np.abs(got - ref)
    bad = ~(err <= tol)  # NaN compares false -> bad
    ratio = float(np.nanmax(np.where(tol > 0, err / np.maximum(tol, 1e-30), np.where(err > 0, np.inf, 0))))
    return ratio, int(bad.sum())


def variants(m, k, n, sm_count):
    """Every kernel launch shape worth testing for this case."""
    out = [("plan", plan(m, k, n, sm_count))]
    if n <= SMALL_BATCH_MAX_N:
        for nt in (8, 16, 32, 64):
            if nt >= n:
                out.append((f"small_n{nt}_s1", forced_plan("SMALL_BATCH", m, k, n, nt, 1)))
                out.append((f"small_n{nt}_s3", forced_plan("SMALL_BATCH", m, k, n, nt, 3)))
    out.append(("tiled_s1", forced_plan("TILED", m, k, n, splits=1)))
    out.append(("tiled_s3", forced_plan("TILED", m, k, n, splits=3)))
    return out


def bundled_case_checks(gpu, bundle, log):
    """Step 2: every kernel variant, output type and activation on the Java-made cases."""
    t = gpu.torch
    results, failures = [], 0
    for case in bundle.meta["cases"]:
        name, prec, m, k, n, kx = (case[s] for s in ("name", "precision", "M", "K", "N", "kx"))
        dev = gpu.dev
        wv = t.from_numpy(bundle.array(name + ".wv").view(np.int16).copy()).to(dev)
        wm = t.from_numpy(bundle.array(name + ".wm").view(np.int32).copy()).to(dev)
        x = t.from_numpy(bundle.array(name + ".x").view(np.int16).copy()).to(dev)
        bias_np = bundle.array(name + ".bias")
        bias = t.from_numpy(bias_np.copy()).to(dev)
        y64 = bundle.array(name + ".y")
        w = bundle.array(name + ".w").astype(np.float64)
        xf = half_bits_to_float(bundle.array(name + ".x"), prec)[:, :k].astype(np.float64)
        abs_sum = np.abs(xf) @ np.abs(w).T
        # Scalar reference kernel on the portable format.
        vals = t.from_numpy(bundle.array(name + ".values").view(np.int16).copy()).to(dev)
        meta = t.from_numpy(bundle.array(name + ".meta").view(np.int32).copy()).to(dev)
        yr = t.full((n, m), float("nan"), device=dev)
        gpu.launch(f"s24_sparse_gemm_reference_{prec}_f32", ((m + 127) // 128, n, 1), (128, 1, 1), 0,
                   (gpu.ptr(vals), gpu.ptr(meta), gpu.ptr(x), np.int32(kx), gpu.ptr(bias), gpu.ptr(yr),
                    np.int32(m), np.int32(m), np.int32(n), np.int32(k), np.int32(0)))
        gpu.check()
        ratio, nbad = compare(yr.cpu().numpy(), apply_epilogue(y64, bias_np, 0), abs_sum, "f32", case["integers"])
        results.append(dict(case=name, kernel="reference", out="f32", act=0, ratio=ratio, bad=nbad))
        failures += nbad > 0
        for label, p in variants(m, k, n, gpu.sm_count):
            ws, ctr = scratch(gpu, p)
            for out_type in ("f32", "f16", "bf16"):
                for act in (0, 1, 2):
                    if out_type != "f32" and act != 0 and label != "plan":
                        continue  # activations x output types on the chosen plan only
                    ldy = m + 3  # a row stride other than M catches stride mix-ups
                    y = t.full((n, ldy), float("nan"), dtype=torch_dtype(gpu, out_type), device=dev)
                    run_gemm(gpu, p, prec, wv, wm, x, kx, bias, y, ldy, out_type, m, n, kx,
                             case["kChunks"], act, ws, ctr)
                    gpu.check()
                    got = y.float().cpu().numpy()
                    ratio, nbad = compare(got[:, :m], apply_epilogue(y64, bias_np, act), abs_sum, out_type,
                                          case["integers"])
                    pad_written = int((~np.isnan(got[:, m:])).sum())  # must stay poisoned
                    results.append(dict(case=name, kernel=label, symbol=symbol(p, prec), out=out_type,
                                        act=act, ratio=ratio, bad=nbad, pad_written=pad_written))
                    if nbad or pad_written:
                        failures += 1
                        log(f"FAIL {name} {label} {symbol(p, prec)} out={out_type} act={act}: "
                            f"{nbad} bad elements, {pad_written} written outside Y, max err/tol {ratio:.3g}")
            # Split-K counters must be re-armed by the kernel: run again, same answer.
            if p["splits"] > 1:
                y2 = t.full((n, m), float("nan"), dtype=t.float32, device=dev)
                run_gemm(gpu, p, prec, wv, wm, x, kx, bias, y2, m, "f32", m, n, kx, case["kChunks"], 0, ws, ctr)
                gpu.check()
                y3 = t.full((n, m), float("nan"), dtype=t.float32, device=dev)
                run_gemm(gpu, p, prec, wv, wm, x, kx, bias, y3, m, "f32", m, n, kx, case["kChunks"], 0, ws, ctr)
                gpu.check()
                same = bool(t.equal(y2, y3))
                results.append(dict(case=name, kernel=label + "_repeat", deterministic=same))
                if not same or int(ctr.abs().sum()) != 0:
                    failures += 1
                    log(f"FAIL {name} {label}: split-K repeat differs or counters not re-armed")
        log(f"case {name} ({m}x{k}, N={n}, {prec}): checked "
            f"{sum(1 for r in results if r.get('case') == name)} launches")
    if failures:
        raise AssertionError(f"{failures} kernel checks failed on bundled cases")
    return results


def random_24(gpu, m, k, gen, precision):
    """Random 2:4 W [m, k] on the GPU (valid codes only, scale 0.05), rounded to precision."""
    t = gpu.torch
    codes = t.from_numpy(CODES.astype(np.int64)).to(gpu.dev)[t.randint(0, 6, (m, k // 4), generator=gen, device=gpu.dev)]
    idx = t.stack([codes & 3, codes >> 2], dim=-1)
    vals = t.randn((m, k // 4, 2), generator=gen, device=gpu.dev) * 0.05
    w = t.zeros((m, k // 4, 4), device=gpu.dev)
    w.scatter_(2, idx, vals)
    return w.reshape(m, k).to(torch_dtype(gpu, precision)).float()


def fresh_checks(gpu, log, seed):
    """Step 3: benchmark shapes, fresh random data, every output element vs float64."""
    t = gpu.torch
    gen = t.Generator(device=gpu.dev)
    gen.manual_seed(seed)
    results, failures, packed = [], 0, {}
    for (m, k) in BENCH_SHAPES:
        w = random_24(gpu, m, k, gen, "f16")
        t0 = time.time()
        wv_np, wm_np, kc = pack(w.cpu().numpy(), "f16")
        wv = t.from_numpy(wv_np.view(np.int16)).to(gpu.dev)
        wm = t.from_numpy(wm_np.view(np.int32)).to(gpu.dev)
        packed[(m, k)] = (w, wv, wm, kc)
        log(f"packed {m}x{k} in {time.time() - t0:.1f} s")
        bias = t.randn(m, generator=gen, device=gpu.dev)
        for n in BENCH_N:
            x = t.randn((n, k), generator=gen, device=gpu.dev).half()
            p = plan(m, k, n, gpu.sm_count)
            ws, ctr = scratch(gpu, p)
            y = t.full((n, m), float("nan"), device=gpu.dev)
            run_gemm(gpu, p, "f16", wv, wm, x, k, bias, y, m, "f32", m, n, k, kc, 1, ws, ctr)
            gpu.check()
            ref = t.relu(x.double() @ w.double().T + bias.double())
            abs_sum = x.double().abs() @ w.double().abs().T
            tol = 5e-5 * abs_sum + 1e-6
            err = (y.double() - ref).abs()
            nbad = int((~(err <= tol)).sum())
            rel = float((err.max() / ref.abs().max().clamp_min(1e-30)).item())
            results.append(dict(M=m, K=k, N=n, symbol=symbol(p, "f16"), splits=p["splits"], bad=nbad,
                                max_rel_err=rel))
            failures += nbad > 0
            log(f"fresh {m}x{k} N={n}: {symbol(p, 'f16')} splits={p['splits']} "
                f"{'OK' if nbad == 0 else f'{nbad} BAD'} max rel err {rel:.2e}")
    if failures:
        raise AssertionError(f"{failures} fresh-data checks failed")
    return results, packed


def time_groups(gpu, fns, groups, per_group, warmup):
    """Interleaved timing: fns is a dict name -> f(i) (i rotates inputs). Returns per-call ms
    lists (one value per group) for each name."""
    t = gpu.torch
    for name, f in fns.items():
        for i in range(warmup):
            f(i)
    t.cuda.synchronize()
    times = {name: [] for name in fns}
    for g in range(groups):
        for name, f in fns.items():
            start, end = t.cuda.Event(enable_timing=True), t.cuda.Event(enable_timing=True)
            start.record()
            for i in range(per_group):
                f(g * per_group + i)
            end.record()
            end.synchronize()
            times[name].append(start.elapsed_time(end) / per_group)
    return times


def ceilings(gpu, log):
    t = gpu.torch
    src = t.empty(256 * 2 ** 20, dtype=t.float32, device=gpu.dev)  # 1 GiB
    dst = t.empty_like(src)
    ms = statistics.median(time_groups(gpu, {"copy": lambda i: dst.copy_(src)}, 5, 3, 2)["copy"])
    bw = 2 * src.numel() * 4 / (ms * 1e-3)
    del src, dst
    a = t.randn(8192, 8192, device=gpu.dev).half()
    b = t.randn(8192, 8192, device=gpu.dev).half()
    ms = statistics.median(time_groups(gpu, {"mm": lambda i: a @ b}, 5, 3, 2)["mm"])
    flops = 2 * 8192 ** 3 / (ms * 1e-3)
    log(f"ceilings: device copy {bw / 1e9:.0f} GB/s, cuBLAS fp16 8192^3 {flops / 1e12:.0f} TFLOP/s")
    return bw, flops


def benchmark(gpu, packed, log, seed, bw, flops):
    t = gpu.torch
    try:
        from torch.sparse import to_sparse_semi_structured
    except ImportError:
        to_sparse_semi_structured = None
    gen = t.Generator(device=gpu.dev)
    gen.manual_seed(seed + 1)
    l2 = t.cuda.get_device_properties(0).L2_cache_size if hasattr(t.cuda.get_device_properties(0), "L2_cache_size") else 50 * 2 ** 20
    rows = []
    for (m, k), (w, wv, wm, kc) in packed.items():
        # Enough copies of the weights that one pass over them overflows L2 (>= 3 x L2).
        copies = max(2, math.ceil(3 * l2 / (m * k * 2)))
        wd = [w.half().contiguous()] + [w.half().clone() for _ in range(copies - 1)]
        wvs = [wv] + [wv.clone() for _ in range(copies - 1)]
        wms = [wm] + [wm.clone() for _ in range(copies - 1)]
        ws_semi, semi_err = None, None
        if to_sparse_semi_structured is not None:
            try:
                ws_semi = [to_sparse_semi_structured(c) for c in wd]
            except Exception as e:  # noqa: BLE001 - record why, keep going
                semi_err = f"{type(e).__name__}: {e}"
        for n in BENCH_N:
            xs = [t.randn((n, k), generator=gen, device=gpu.dev).half() for _ in range(copies)]
            p = plan(m, k, n, gpu.sm_count)
            ws, ctr = scratch(gpu, p)
            y = t.empty((n, m), dtype=t.float16, device=gpu.dev)
            bias = t.zeros(m, device=gpu.dev)

            def ours(i):
                j = i % copies
                run_gemm(gpu, p, "f16", wvs[j], wms[j], xs[j], k, bias, y, m, "f16", m, n, k, kc, 0, ws, ctr)

            def dense(i):
                j = i % copies
                return t.matmul(xs[j], wd[j].T)

            fns = {"ours": ours, "dense": dense}
            semi_note = semi_err
            if ws_semi is not None:
                def semi(i):
                    j = i % copies
                    return t.nn.functional.linear(xs[j], ws_semi[j])
                try:
                    semi(0)
                    fns["semi"] = semi
                except Exception as e:  # noqa: BLE001
                    semi_note = f"{type(e).__name__}: {e}"[:200]
            per_group = 10 if n <= 256 else 3
            times = time_groups(gpu, fns, groups=15, per_group=per_group, warmup=5)
            med = {name: statistics.median(v) for name, v in times.items()}
            spread = (max(times["ours"]) - min(times["ours"])) / med["ours"]
            dense_bytes = m * k * 2 + n * k * 2 + n * m * 2
            sparse_bytes = m * k + m * k // 8 + n * k * 2 + n * m * 2
            dense_floor = max(dense_bytes / bw, 2 * m * k * n / flops) * 1e3
            sparse_floor = max(sparse_bytes / bw, 2 * m * k * n / (2 * flops)) * 1e3
            row = dict(device="cuda", dtype="fp16", rows=m, cols=k, batch=n,
                       dense_ms=round(med["dense"], 5), sparse_ms=round(med["ours"], 5),
                       speedup=round(med["dense"] / med["ours"], 3),
                       dense_floor_ms=round(dense_floor, 5), sparse_floor_ms=round(sparse_floor, 5),
                       runs=15 * per_group, spread=round(spread, 3), kernel=symbol(p, "f16"),
                       splits=p["splits"], torch_dense_ms=round(med["dense"], 5),
                       torch_semi_structured_ms=round(med["semi"], 5) if "semi" in med else None)
            if semi_note:
                row["torch_semi_structured_note"] = semi_note
            rows.append(row)
            log(f"time {m}x{k} N={n}: ours {med['ours']:.4f} ms, cuBLAS {med['dense']:.4f} ms, "
                f"semi {med.get('semi', float('nan')):.4f} ms")
            del xs
    return rows


def table(rows):
    head = f"{'W':>11} {'N':>5} {'ours ms':>9} {'cuBLAS ms':>9} {'semi ms':>9} {'x cuBLAS':>8} {'x semi':>7} {'floor ms':>9} kernel"
    lines = [head, "-" * len(head)]
    for r in rows:
        semi = r.get("torch_semi_structured_ms")
        lines.append(f"{r['rows']:>5}x{r['cols']:<5} {r['batch']:>5} {r['sparse_ms']:>9.4f} {r['dense_ms']:>9.4f} "
                     f"{(semi if semi else float('nan')):>9.4f} {r['speedup']:>8.2f} "
                     f"{(semi / r['sparse_ms'] if semi else float('nan')):>7.2f} {r['sparse_floor_ms']:>9.4f} "
                     f"{r['kernel']}/s{r['splits']}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# Host simulation (cuda/host_sim): the same kernel source on CPU threads, no GPU. Checks the
# kernels' indexing (swizzles, cp.async pieces, ldmatrix addresses, fragments, split-K
# fixup, epilogue) before any GPU time is spent; not timing, races or cp.async ordering.

def sim_checks(lib_path, bundle, log, sm_count=132):
    import ctypes
    lib = ctypes.CDLL(os.path.abspath(lib_path))
    P, I, S = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    lib.s24_sim_sparse_gemm.argtypes = [S, I, I, I, I, I, P, P, P, I, P, P, I, I, I, I, I, I, I, I, P, P]
    lib.s24_sim_probe.argtypes = [S, P, P, P, P, P]
    lib.s24_sim_reference.argtypes = [S, I, I, P, P, P, I, P, P, I, I, I, I, I]
    ptr = lambda a: None if a is None else a.ctypes.data_as(P)
    nan_bits = {"f16": 0x7E00, "bf16": 0x7FC0}

    results = []
    for name in bundle.meta["probes"]:
        prec, sel = name.split("_")[1], int(name[-1])
        a, b, c, e, d = (np.ascontiguousarray(bundle.array(f"{name}.{s}")) for s in "abced")
        out = np.full((32, 4), np.nan, dtype=np.float32)
        assert lib.s24_sim_probe(f"s24_mma_sp_probe_{prec}_sel{sel}".encode(), ptr(a), ptr(b), ptr(c), ptr(e), ptr(out)) == 0
        ok = np.array_equal(out, d)
        results.append(dict(probe=name, ok=bool(ok)))
        if not ok:
            raise AssertionError(f"sim probe {name} differs from the Java emulator")
    log(f"sim: {len(results)} mma.sp probes equal the Java emulator")

    failures = 0
    for case in bundle.meta["cases"]:
        name, prec, m, k, n, kx = (case[s] for s in ("name", "precision", "M", "K", "N", "kx"))
        wv, wm = bundle.array(name + ".wv"), bundle.array(name + ".wm")
        x = np.ascontiguousarray(bundle.array(name + ".x"))
        bias = bundle.array(name + ".bias")
        y64 = bundle.array(name + ".y")
        w = bundle.array(name + ".w").astype(np.float64)
        xf = half_bits_to_float(x, prec)[:, :k].astype(np.float64)
        abs_sum = np.abs(xf) @ np.abs(w).T
        vals, meta = bundle.array(name + ".values"), bundle.array(name + ".meta")
        yr = np.full((n, m), np.nan, dtype=np.float32)
        assert lib.s24_sim_reference(f"s24_sparse_gemm_reference_{prec}_f32".encode(), (m + 127) // 128, n, ptr(vals),
                                     ptr(meta), ptr(x), kx, ptr(bias), ptr(yr), m, m, n, k, 0) == 0
        ratio, nbad = compare(yr, apply_epilogue(y64, bias, 0), abs_sum, "f32", case["integers"])
        failures += nbad > 0
        count = 1
        for label, p in variants(m, k, n, sm_count):
            ws = np.zeros(max(1, p["workspaceBytes"] // 4), dtype=np.float32) if p["splits"] > 1 else None
            ctr = np.zeros(max(1, p["counters"]), dtype=np.uint32) if p["splits"] > 1 else None
            combos = [("f32", 0), ("f16", 1), ("bf16", 2)] if label == "plan" else [("f32", 0)]
            for out_type, act in combos:
                ldy = m + 3
                if out_type == "f32":
                    y = np.full((n, ldy), np.nan, dtype=np.float32)
                else:
                    y = np.full((n, ldy), nan_bits[out_type], dtype=np.uint16)
                rc = lib.s24_sim_sparse_gemm(symbol(p, prec).encode(), p["gridX"], p["gridY"], p["gridZ"], p["threads"],
                                      p["smem"], ptr(wv), ptr(wm), ptr(x), kx, ptr(bias), ptr(y), ldy,
                                      OUT_TYPES[out_type], m, n, kx, case["kChunks"], p["unitsPerSplit"], act,
                                      ptr(ws), ptr(ctr))
                assert rc == 0, symbol(p, prec)
                got = y if out_type == "f32" else half_bits_to_float(y, out_type)
                ratio, nbad = compare(got[:, :m], apply_epilogue(y64, bias, act), abs_sum, out_type, case["integers"])
                pad_written = int((~np.isnan(got[:, m:])).sum())
                count += 1
                if nbad or pad_written or (ctr is not None and ctr.any()):
                    failures += 1
                    log(f"SIM FAIL {name} {label} {symbol(p, prec)} out={out_type} act={act}: {nbad} bad, "
                        f"{pad_written} written outside Y, counters {None if ctr is None else int(ctr.sum())}, "
                        f"max err/tol {ratio:.3g}")
        log(f"sim: case {name} ({m}x{k}, N={n}, {prec}): {count} launches")
    if failures:
        raise AssertionError(f"{failures} simulated kernel checks failed")
    log("sim: every kernel variant matches the float64 reference on every bundled case")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "bundle"))
    ap.add_argument("--out", default="gpu-out")
    ap.add_argument("--cpu-only", action="store_true", help="host-side checks only (no GPU needed)")
    ap.add_argument("--skip-bench", action="store_true", help="checks only, no timing")
    ap.add_argument("--seed", type=int, default=24)
    ap.add_argument("--sim", metavar="LIB", help="run the kernels in the host simulation "
                    "(cuda/host_sim/build.sh -> cuda/build/libs24sim.so) instead of on a GPU")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    logf = open(os.path.join(args.out, "workbench.log"), "a")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    bundle = Bundle(args.bundle)
    log(f"bundle {args.bundle}: seed {bundle.meta['seed']}, {len(bundle.meta['cases'])} cases")
    host_checks(bundle, log)
    if args.cpu_only:
        log("cpu-only: host checks passed")
        return 0
    if args.sim:
        sim_checks(args.sim, bundle, log)
        return 0
    gpu = Gpu(bundle.fatbin())
    log(f"GPU {gpu.name} sm_{gpu.cc[0]}{gpu.cc[1]}, {gpu.sm_count} SMs; torch {gpu.torch.__version__}, "
        f"cupy {gpu.cp.__version__}")
    checks = dict(gpu=gpu.name)
    try:
        checks["probe"] = probe_checks(gpu, bundle, log)
        checks["bundled"] = bundled_case_checks(gpu, bundle, log)
        fresh, packed = fresh_checks(gpu, log, args.seed)
        checks["fresh"] = fresh
    finally:
        with open(os.path.join(args.out, "checks.json"), "w") as f:
            json.dump(checks, f, indent=1)
    log("all correctness checks passed")
    if args.skip_bench:
        return 0
    bw, flops = ceilings(gpu, log)
    rows = benchmark(gpu, packed, log, args.seed, bw, flops)
    try:
        driver = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                                capture_output=True, text=True, timeout=20).stdout.strip() or None
    except Exception:  # noqa: BLE001
        driver = None
    results = {
        "schema": 1,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "bench/gpu/device-check.sh " + args.out,
        "machine": {"cpu": platform.processor() or platform.machine(), "cores_used": os.cpu_count(),
                    "isa": None, "openblas_coretype": None, "gpu": gpu.name, "driver": driver,
                    "sm_count": gpu.sm_count, "copy_GBps": round(bw / 1e9, 1),
                    "cublas_fp16_TFLOPs": round(flops / 1e12, 1)},
        "layers": rows,
        "models": [],
    }
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    log("results in " + os.path.join(args.out, "results.json"))
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
