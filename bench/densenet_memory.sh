#!/usr/bin/env bash
# DenseNet-BC (k=12, batch 64, 32x32) training steps at depth 100, 190 and 250: densefractal standard
# vs memory-efficient (recomputation) vs PyTorch 1.13 plain vs memory_efficient (checkpointing),
# alternating, same thread count. Peak RSS is each process's own high-water mark.
# Usage: bench/densenet_memory.sh [depths] [threads] [iters]   (default "100 190 250" 2 2)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
depths="${1:-100 190 250}"; threads="${2:-2}"; iters="${3:-2}"
./densefractal summary --list >/dev/null   # build outside the measurement
echo "date=$(date -u +%F) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) threads=$threads iters=$iters warmup=1"
echo "malloc: launcher default ($( [[ -r /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]] && echo jemalloc || echo glibc))"
printf "%-22s %-28s %10s %10s\n" model variant median_ms peak_mb
for d in $depths; do
  m="densenet_bc${d}_k12"
  for variant in "densefractal" "densefractal --memory-efficient" "pytorch" "pytorch --memory-efficient"; do
    tool="${variant%% *}"; flag=""; [[ "$variant" == *--memory-efficient ]] && flag="--memory-efficient"
    if [[ "$tool" == densefractal ]]; then
      json=$(./densefractal bench -m "$m" --batch 64 --threads "$threads" --warmup 1 --iters "$iters" $flag --json)
    else
      json=$(/usr/bin/python3 bench/torch_step.py --model "$m" --batch 64 --size 32 --threads "$threads" --warmup 1 --iters "$iters" $flag)
    fi
    /usr/bin/python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print("%-22s %-28s %10.0f %10d" % (sys.argv[2], sys.argv[3], j["median_ms"], j["peak_rss_mb"]))' "$json" "$m" "$variant"
  done
done
