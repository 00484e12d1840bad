#!/usr/bin/python3
"""bench_gemm.py — the PyTorch reference for `interp-eval bench gemm`: the same fp32 sgemm (torch.mm on random N×N
matrices), the same procedure (warm-up ops, a batch sized like timeit.autorange to last at least 50 ms, timed
repeats), the same thread settings (torch and OpenBLAS), and one JSON object with the same keys.
Run with Debian's python3-torch (/usr/bin/python3) so both sides use the same libtorch and BLAS. CPU only."""
import argparse
import ctypes
import json
import os
import platform
import time

import torch

MIN_REPEAT_SECONDS = 0.05
MAX_OPS_PER_REPEAT = 1 << 20
WARMUP_OPS = 2


def openblas():
    """The loaded OpenBLAS (through libtorch's libblas.so.3), or None when the BLAS is something else."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line and line.rstrip().endswith((".so", ".so.0", ".so.3"))}
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_get_num_threads"):
            return lib
    return None


def time_ops(a, b, ops):
    start = time.perf_counter()
    for _ in range(ops):
        c = torch.mm(a, b)
    elapsed = time.perf_counter() - start
    del c
    return elapsed


def measure(size, repeats, seed=0):
    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(size, size, generator=generator, dtype=torch.float32)  # (N, N)
    b = torch.randn(size, size, generator=generator, dtype=torch.float32)  # (N, N)
    for _ in range(WARMUP_OPS):
        time_ops(a, b, 1)
    ops = 1
    while ops < MAX_OPS_PER_REPEAT and time_ops(a, b, ops) < MIN_REPEAT_SECONDS:
        ops *= 2
    return ops, [time_ops(a, b, ops) / ops for _ in range(repeats)]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def os_description():
    """What .NET's RuntimeInformation.OSDescription prints on Linux: PRETTY_NAME from os-release."""
    try:
        return platform.freedesktop_os_release()["PRETTY_NAME"]
    except (OSError, KeyError, AttributeError):
        return platform.platform()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=2048, help="matrix size N (default 2048)")
    parser.add_argument("--repeats", type=int, default=10, help="timed repeats (default 10)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch and OpenBLAS threads (default: cores)")
    args = parser.parse_args()
    if args.size < 1 or args.repeats < 1 or args.threads < 1:
        parser.error("--size, --repeats and --threads must be at least 1")

    torch.set_num_threads(args.threads)
    blas = openblas()
    if blas is not None:
        blas.openblas_set_num_threads(args.threads)

    ops, seconds = measure(args.size, args.repeats)
    flops = 2.0 * args.size ** 3
    best, mean = min(seconds), sum(seconds) / len(seconds)
    print(json.dumps({
        "benchmark": "gemm",
        "size": args.size,
        "device": "cpu",
        "threads": torch.get_num_threads(),
        "blas_threads": blas.openblas_get_num_threads() if blas is not None else 0,
        "libtorch": torch.__version__,
        "repeats": args.repeats,
        "ops_per_repeat": ops,
        "gflops": flops / best / 1e9,
        "gflops_mean": flops / mean / 1e9,
        "seconds_per_op": best,
        "machine": {"processor_count": os.cpu_count(), "os": os_description(), "cpu": cpu_model()},
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
