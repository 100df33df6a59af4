#!/usr/bin/env bash
# A/B of DenseNet-BC-100 training steps (standard and memory-efficient)
# between another checkout (OLD, e.g. `git worktree add /tmp/old <rev>`) and this one, alternating
# runs so that machine noise hits both alike. Prints median/min/max ms and peak RSS per run.
#   bench/ab_densenet_step.sh OLD_CHECKOUT [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
old="${1:?usage: bench/ab_densenet_step.sh OLD_CHECKOUT [ROUNDS]}"; rounds="${2:-2}"
./densefractal summary --list >/dev/null   # build both outside the measurement
"$old/densefractal" summary --list >/dev/null
echo "date=$(date -u +%FT%T) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) old=$old"
printf "%-6s %-45s %10s %10s %10s %10s\n" build variant median_ms min_ms max_ms peak_mb
for ((r = 1; r <= rounds; r++)); do
  for flag in "" "--memory-efficient"; do
    for b in old new; do
      launcher=./densefractal; [[ $b == old ]] && launcher="$old/densefractal"
      # shellcheck disable=SC2086
      j=$("$launcher" bench -m densenet_bc100_k12 --batch 64 --threads 2 --warmup 2 --iters 4 $flag --json | tail -1)
      /usr/bin/python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print("%-6s %-45s %10.0f %10.0f %10.0f %10d" % (sys.argv[2], sys.argv[3], j["median_ms"], j["min_ms"], j["max_ms"], j["peak_rss_mb"]))' "$j" "$b" "${flag:-standard}"
    done
  done
done
