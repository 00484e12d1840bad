#!/usr/bin/env bash
# bench-train-compare.sh — `interp-eval bench train` next to eng/bench_train.py (the plain PyTorch loop: Debian's
# python3-torch, same libtorch and OpenBLAS) for the three cases of docs/benchmarks.md: relu (dense, b_enc = 0),
# relu --density D (the sparse path of a dictionary past warm-up; PyTorch stays dense) and topk. For each case the
# tool and PyTorch run back to back, alternating ROUNDS times (default 3); each side keeps its median round (its
# seconds_per_step_best, the fastest step of the round), which evens out a machine shared with other work.
# Prints one line per case: tool s/step, PyTorch s/step, ratio PyTorch/tool, the tool's fraction of the sgemm peak
# measured in its own run, and its step ÷ GEMM floor; then the JSON of every run (stderr).
# Usage: eng/bench-train-compare.sh [STEPS [THREADS [DENSITY]]]  (defaults 10, 2, 0.005). Shapes: d_in 256,
# width 16384, k 32, batch 4096 (override with D_IN, WIDTH, K, BATCH). CASES="relu relu-sparse topk" picks cases.
# The tool: $INTERP_EVAL if set (e.g. "dotnet src/EvalHarness/bin/Release/net10.0/InterpEval.dll"), else the local
# tool `dotnet interp-eval` (eng/setup.sh builds and installs it). CPU only.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
steps="${1:-10}"
threads="${2:-2}"
density="${3:-0.005}"
rounds="${ROUNDS:-3}"
cases="${CASES:-relu relu-sparse topk}"
shape=(--d-in "${D_IN:-256}" --width "${WIDTH:-16384}" --k "${K:-32}" --batch "${BATCH:-4096}" --steps "$steps")
python=/usr/bin/python3

"$python" -c "import torch" 2>/dev/null ||
  { echo "bench-train-compare: $python cannot import torch — install Debian's python3-torch (apt-get install python3-torch)" >&2; exit 1; }
if [ -n "${INTERP_EVAL:-}" ]; then
  read -r -a tool <<<"$INTERP_EVAL"
else
  ./eng/setup.sh
  tool=(dotnet interp-eval)
fi

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for case in $cases; do
  case "$case" in
    relu) args=(--arch relu) ;;
    relu-sparse) args=(--arch relu --density "$density") ;;
    topk) args=(--arch topk) ;;
    *) echo "bench-train-compare: unknown case '$case' (relu, relu-sparse, topk)" >&2; exit 2 ;;
  esac
  for _ in $(seq "$rounds"); do
    echo "$case tool $("${tool[@]}" --threads "$threads" bench train "${args[@]}" "${shape[@]}" --json)" >>"$results"
    echo "$case torch $(cd eng && "$python" bench_train.py "${args[@]}" "${shape[@]}" --threads "$threads")" >>"$results"
  done
done

"$python" - "$results" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    case, side, text = line.split(" ", 2)
    runs.setdefault(case, {}).setdefault(side, []).append(json.loads(text))
def median_run(rs):  # the round whose fastest step is the median one
    return sorted(rs, key=lambda r: r["seconds_per_step_best"])[(len(rs) - 1) // 2]
print(f"{'case':<12} {'tool s/step':>11} {'torch s/step':>12} {'ratio':>6} {'tool % peak':>11} {'torch % peak':>12} "
      f"{'step/floor':>10} {'density':>8}")
for case, sides in runs.items():
    t, p = median_run(sides["tool"]), median_run(sides["torch"])
    ts, ps = t["seconds_per_step_best"], p["seconds_per_step_best"]
    peak = lambda r, s: r["gflop_per_step"] / s / r["sgemm_gflops"] * 100
    print(f"{case:<12} {ts:>11.3f} {ps:>12.3f} {ps / ts:>5.2f}x {peak(t, ts):>10.1f}% {peak(p, ps):>11.1f}% "
          f"{ts / t['gemm_floor_seconds']:>10.2f} {t['latent_density']:>8.4f}")
    for r in sides["tool"] + sides["torch"]:
        print(json.dumps(r, separators=(",", ":")), file=sys.stderr)
PY
