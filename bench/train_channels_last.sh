#!/usr/bin/env bash
# Training steps, NCHW and channels-last, on both sides: `densefractal bench --mode train` with the
# default layout (AUTO: NCHW, parity-exact) and with `--memory-format CHANNELS_LAST` (opt-in), and
# bench/torch_step.py without and with `--channels-last`, one after the other per case. Prints
# median ms per step and our speed relative to PyTorch's default (NCHW) and to PyTorch's
# channels-last (>1 = we are faster).
# Usage: bench/train_channels_last.sh [threads] [iters] [cases-file]   (case: "model batch size")
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads="${1:-2}"; iters="${2:-5}"; cases_file="${3:-}"
default_cases="resnet50 8 224
resnext50_32x4d 8 224
densenet121 8 224
densenet_bc100_k12 64 32
resnet56_cifar 128 32
fractalnet20 64 32"
cases="$default_cases"; [[ -n "$cases_file" ]] && cases="$(cat "$cases_file")"
./densefractal summary --list >/dev/null   # build outside the measurement
echo "date=$(date -u +%F) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) threads=$threads iters=$iters"
echo "densefractal $(./densefractal --version | cut -d' ' -f2-) | $(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)')"
printf "%-20s %5s %4s | %9s %9s %9s %9s | %8s %8s %8s\n" model batch size ours_nchw ours_cl torch_nchw torch_cl \
  nchw/nchw cl/nchw cl/cl
median() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1].splitlines()[-1])["median_ms"])' "$1"; }
while read -r model batch size; do
  [[ -z "$model" ]] && continue
  classes=$([[ "$size" == 224 ]] && echo 1000 || echo 10)
  ours=(./densefractal bench -m "$model" --mode train --batch "$batch" --size "$size" --threads "$threads" --warmup 2 --iters "$iters" --json)
  torch=(/usr/bin/python3 bench/torch_step.py --model "$model" --mode train --batch "$batch" --size "$size" --num-classes "$classes" --threads "$threads" --warmup 2 --iters "$iters")
  on=$(median "$("${ours[@]}")")
  oc=$(median "$("${ours[@]}" --memory-format CHANNELS_LAST)")
  tn=$(median "$("${torch[@]}")")
  tc=$(median "$("${torch[@]}" --channels-last)")
  /usr/bin/python3 -c 'import sys; m, b, s = sys.argv[1:4]; on, oc, tn, tc = map(float, sys.argv[4:]); print("%-20s %5s %4s | %9.1f %9.1f %9.1f %9.1f | %7.2fx %7.2fx %7.2fx" % (m, b, s, on, oc, tn, tc, tn / on, tn / oc, tc / oc))' \
    "$model" "$batch" "$size" "$on" "$oc" "$tn" "$tc"
done <<< "$cases"
