#!/usr/bin/env bash
# Side by side: `densefractal bench` and PyTorch 1.13 (bench/torch_step.py) on the same model, mode,
# batch, size and thread count, alternating, and the ratio table (ours / PyTorch: >1 = we are faster
# for images/s, <1 = we use less memory for peak RSS).
# Usage: bench/side_by_side.sh [threads] [iters] [cases-file]
# A case is a line "model mode batch size"; "model:i" runs only column i (FractalNet).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads="${1:-2}"; iters="${2:-5}"; cases_file="${3:-}"
default_cases="resnet50 train 8 224
resnet50 infer 1 224
resnet50 infer 32 224
resnext50_32x4d train 8 224
resnext50_32x4d infer 1 224
resnext50_32x4d infer 32 224
densenet121 train 8 224
densenet121 infer 1 224
densenet121 infer 32 224
densenet_bc100_k12 train 64 32
densenet_bc100_k12 infer 1 32
densenet_bc100_k12 infer 64 32
resnet56_cifar train 128 32
resnet56_cifar infer 1 32
resnet56_cifar infer 64 32
fractalnet20 train 64 32
fractalnet20 infer 1 32
fractalnet20 infer 64 32
fractalnet20:3 infer 1 32
fractalnet20:3 infer 64 32"
cases="$default_cases"; [[ -n "$cases_file" ]] && cases="$(cat "$cases_file")"
./densefractal summary --list >/dev/null   # build outside the measurement
echo "date=$(date -u +%F) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) threads=$threads iters=$iters"
echo "densefractal $(./densefractal --version | cut -d' ' -f2-) | $(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)')"
printf "%-20s %-6s %5s %4s | %10s %10s %6s | %8s %8s %6s\n" model mode batch size ours_ms torch_ms speed ours_MB torch_MB mem
while read -r model mode batch size; do
  [[ -z "$model" ]] && continue
  column=(); column_py=()
  if [[ "$model" == *:* ]]; then column=(--column "${model#*:}"); column_py=(--column "${model#*:}"); model="${model%%:*}"; fi
  classes=$([[ "$size" == 224 ]] && echo 1000 || echo 10)
  # The JVM needs more warm-up than Python before small inference steps reach steady state.
  warmup=$([[ "$mode" == infer ]] && echo 10 || echo 2)
  ours=$(./densefractal bench -m "$model" --mode "$mode" --batch "$batch" --size "$size" --threads "$threads" --warmup "$warmup" --iters "$iters" "${column[@]}" --json)
  theirs=$(/usr/bin/python3 bench/torch_step.py --model "$model" --mode "$mode" --batch "$batch" --size "$size" --num-classes "$classes" --threads "$threads" --warmup "$warmup" --iters "$iters" "${column_py[@]}")
  /usr/bin/python3 - "$ours" "$theirs" "$model${column[1]:+:${column[1]}}" "$mode" "$batch" "$size" <<'PY'
import json, sys
o, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("%-20s %-6s %5s %4s | %10.1f %10.1f %5.2fx | %8d %8d %5.2fx" % (
    sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], o["median_ms"], t["median_ms"],
    t["median_ms"] / o["median_ms"], o["peak_rss_mb"], t["peak_rss_mb"],
    o["peak_rss_mb"] / t["peak_rss_mb"]))
PY
done <<< "$cases"
