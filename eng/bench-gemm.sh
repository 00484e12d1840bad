#!/usr/bin/env bash
# bench-gemm.sh — fp32 sgemm through interp-eval's binding next to the same measurement in PyTorch (Debian's
# python3-torch, same libtorch and OpenBLAS), same size and thread count; prints both JSON lines and the ratio
# interp-eval / PyTorch. Usage: eng/bench-gemm.sh [SIZE [THREADS [REPEATS]]]  (defaults 2048, all cores, 10).
# The runs alternate (tool, PyTorch, tool, PyTorch, … ROUNDS times, default 1) and each side keeps its best, which
# evens out a machine shared with other work. CPU only.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
size="${1:-2048}"
threads="${2:-$(nproc)}"
repeats="${3:-10}"
rounds="${ROUNDS:-1}"
python=/usr/bin/python3

"$python" -c "import torch" 2>/dev/null ||
  { echo "bench-gemm: $python cannot import torch — install Debian's python3-torch (apt-get install python3-torch)" >&2; exit 1; }
./eng/setup.sh

tool_runs=()
torch_runs=()
for _ in $(seq "$rounds"); do
  tool_runs+=("$(dotnet interp-eval --threads "$threads" bench gemm --size "$size" --repeats "$repeats" --json)")
  torch_runs+=("$("$python" eng/bench_gemm.py --threads "$threads" --size "$size" --repeats "$repeats")")
done

"$python" - "${#tool_runs[@]}" "${tool_runs[@]}" "${torch_runs[@]}" <<'PY'
import json, sys
n = int(sys.argv[1])
tool = [json.loads(s) for s in sys.argv[2:2 + n]]
ref = [json.loads(s) for s in sys.argv[2 + n:]]
best_tool = max(tool, key=lambda r: r["gflops"])
best_ref = max(ref, key=lambda r: r["gflops"])
print("interp-eval:", json.dumps(best_tool, separators=(",", ":")))
print("pytorch:    ", json.dumps(best_ref, separators=(",", ":")))
ratio = best_tool["gflops"] / best_ref["gflops"]
ratio_mean = best_tool["gflops_mean"] / best_ref["gflops_mean"]
print(f"gemm {best_tool['size']}x{best_tool['size']} fp32, {best_tool['threads']} threads: "
      f"interp-eval {best_tool['gflops']:.1f} GFLOP/s, PyTorch {best_ref['gflops']:.1f} GFLOP/s, "
      f"ratio {ratio:.3f} (best), {ratio_mean:.3f} (mean)")
PY
