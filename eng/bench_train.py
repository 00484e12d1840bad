#!/usr/bin/python3
"""bench_train.py — the PyTorch reference for `interp-eval bench train`: plain training loops of a relu SAE
(mse + λ Σ f·‖W_dec,i‖, b_dec subtracted from the input, Adam) and of a topk SAE that decodes densely (topk → relu →
scatter into a dense [N, d_sae] code → matmul; FVU objective; parallel decoder-gradient removal before the Adam step,
row renormalisation after), on random data with the same shapes, FLOP formulas and sgemm peak procedure
(bench_gemm.py) as the tool; --density D starts the relu SAE's b_enc as the tool does (every latent fires on
round(D·N) tokens), and the loop stays dense. Prints one JSON object. Run with Debian's /usr/bin/python3 (same libtorch and BLAS)."""
import argparse
import json
import os
import time

import torch

from bench_gemm import measure, openblas


def relu_step(x, p, opt, l1):
    w_enc, b_enc, w_dec, b_dec = p
    f = torch.relu(torch.addmm(b_enc, x - b_dec, w_enc))
    x_hat = torch.addmm(b_dec, f, w_dec)
    mse = (x_hat - x).pow(2).sum(1).mean()
    loss = mse + l1 * (f * w_dec.norm(dim=1)).sum(1).mean()
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()


def topk_step(x, p, opt, k):
    w_enc, b_enc, w_dec, b_dec = p
    pre = torch.addmm(b_enc, x - b_dec, w_enc)
    top_v, top_i = pre.topk(k, dim=1)
    code = torch.zeros_like(pre).scatter(1, top_i, top_v.relu())
    x_hat = torch.addmm(b_dec, code, w_dec)
    loss = (x_hat - x).pow(2).sum() / (x - x.mean(0, keepdim=True)).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w_dec.grad -= (w_dec.grad * w_dec).sum(1, keepdim=True) * w_dec
    opt.step()
    opt.zero_grad(set_to_none=True)
    with torch.no_grad():
        w_dec /= w_dec.norm(dim=1, keepdim=True).clamp(min=1e-12)
    return loss.item()


def gemm_flops(arch, n, d, s, k):
    """The tool's formula: relu 10·N·D·S (five GEMMs); topk 2·N·D·S + 10·N·k·D (dense encoder + five sparse products)."""
    return 10 * n * d * s if arch == "relu" else 2 * n * d * s + 10 * n * k * d


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=["relu", "topk"], default="relu")
    parser.add_argument("--d-in", type=int, default=256)
    parser.add_argument("--width", type=int, default=16384)
    parser.add_argument("--k", type=int, default=32)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--density", type=float, default=None, help="relu: fraction of latents firing at the start")
    parser.add_argument("--threads", type=int, default=2, help="torch and OpenBLAS threads (default 2)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    blas = openblas()
    if blas is not None:
        blas.openblas_set_num_threads(args.threads)
    _, gemm_seconds = measure(2048, 5)
    sgemm = 2.0 * 2048 ** 3 / min(gemm_seconds) / 1e9
    g = torch.Generator().manual_seed(0)
    x = torch.randn(args.batch, args.d_in, generator=g)
    w_dec = torch.randn(args.width, args.d_in, generator=g)
    w_dec *= (0.1 if args.arch == "relu" else 1.0) / w_dec.norm(dim=1, keepdim=True)
    params = [w_dec.t().clone().requires_grad_(), torch.zeros(args.width, requires_grad=True), w_dec.requires_grad_(),
              torch.zeros(args.d_in, requires_grad=True)]
    if args.density is not None:
        with torch.no_grad():  # b_enc,i = −(m-th and (m+1)-th largest pre_i over the batch)/2, m = round(D·N)
            m = max(1, round(args.density * args.batch))
            top = (x @ params[0]).topk(m + 1, dim=0).values
            params[1] -= (top[m - 1] + top[m]) * 0.5
    opt = torch.optim.Adam(params, lr=1e-4)
    step = (lambda: relu_step(x, params, opt, 5.0)) if args.arch == "relu" else (lambda: topk_step(x, params, opt, args.k))
    step()  # warm-up
    seconds = []
    for _ in range(args.steps):
        start = time.perf_counter()
        loss = step()
        seconds.append(time.perf_counter() - start)
    mean = sum(seconds) / len(seconds)
    flops = gemm_flops(args.arch, args.batch, args.d_in, args.width, args.k)
    print(json.dumps({
        "benchmark": "train", "implementation": "pytorch", "arch": args.arch, "d_in": args.d_in, "width": args.width,
        "k": args.k if args.arch == "topk" else None, "batch": args.batch, "steps": args.steps,
        "threads": torch.get_num_threads(), "torch": torch.__version__, "seconds_per_step": mean,
        "seconds_per_step_best": min(seconds), "tokens_per_s": args.batch / mean, "gflop_per_step": flops / 1e9,
        "gflops": flops / mean / 1e9, "sgemm_gflops": sgemm, "peak_fraction": flops / mean / 1e9 / sgemm, "final_loss": loss, "density": args.density,
    }))


if __name__ == "__main__":
    main()
