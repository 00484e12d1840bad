#!/usr/bin/python3
"""bench_topk.py — the PyTorch reference for the TopK SAE step: the plain loop that decodes densely
(encode → topk → relu → scatter into a dense [N, d_sae] code → dense matmul decode → MSE → backward), the baseline
the sparse kernels (src/Torch/native/src/sparse_ops.cpp) are measured against. Same thread settings as
bench_gemm.py (torch and OpenBLAS). Prints one JSON object. Run with Debian's /usr/bin/python3 (same libtorch and
BLAS as the binding). CPU only; no optimiser step (the kernels are what is compared)."""
import argparse
import json
import os
import time

import torch

from bench_gemm import openblas


def step(x, w_enc_t, b_enc, w_dec, k):
    """One forward + backward of the dense-decoding TopK SAE; x [N, D], w_enc_t/w_dec [S, D], b_enc [S]."""
    for p in (w_enc_t, b_enc, w_dec):
        p.grad = None
    pre_ns = torch.addmm(b_enc, x, w_enc_t.t())
    top_v, top_i = pre_ns.topk(k, dim=1)
    code_ns = torch.zeros_like(pre_ns).scatter(1, top_i, top_v.relu())
    loss = (code_ns @ w_dec - x).pow(2).mean()
    loss.backward()
    return loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d-in", type=int, default=256)
    parser.add_argument("--width", type=int, default=16384)
    parser.add_argument("--k", type=int, default=32)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch and OpenBLAS threads (default: cores)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    blas = openblas()
    if blas is not None:
        blas.openblas_set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(args.batch, args.d_in, generator=g)
    w_enc_t = (torch.randn(args.width, args.d_in, generator=g) * 0.06).requires_grad_()
    b_enc = torch.zeros(args.width, requires_grad=True)
    w_dec = (torch.randn(args.width, args.d_in, generator=g) * 0.06).requires_grad_()
    step(x, w_enc_t, b_enc, w_dec, args.k)  # warm-up
    start = time.perf_counter()
    for _ in range(args.steps):
        step(x, w_enc_t, b_enc, w_dec, args.k)
    per_step = (time.perf_counter() - start) / args.steps
    print(json.dumps({
        "bench": "topk-dense-decode-pytorch", "d_in": args.d_in, "width": args.width, "k": args.k,
        "batch": args.batch, "steps": args.steps, "threads": torch.get_num_threads(),
        "blas_threads": blas.openblas_get_num_threads() if blas is not None else 0,
        "torch": torch.__version__, "seconds_per_step": per_step, "tokens_per_s": args.batch / per_step,
    }))


if __name__ == "__main__":
    main()
