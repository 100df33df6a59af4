#!/usr/bin/env bash
# The memory-efficient step's time/memory trade-off: DenseNet-BC-k12 training steps, standard and
# memory-efficient with several tail budgets (--tail-budget), alternating, ROUNDS times.
#   bench/densenet_tail_budget.sh [DEPTH] [ROUNDS] [BUDGETS...]   (defaults: 100 2 4 5 6)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
depth="${1:-100}"; rounds="${2:-2}"; shift $(( $# > 2 ? 2 : $# )) || true
budgets=("$@"); [[ ${#budgets[@]} -eq 0 ]] && budgets=(4 5 6)
./densefractal summary --list >/dev/null   # build outside the measurement
echo "date=$(date -u +%FT%T) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) model=densenet_bc${depth}_k12"
printf "%-5s %-22s %10s %10s %10s %10s\n" round variant median_ms min_ms max_ms peak_mb
for ((r = 1; r <= rounds; r++)); do
  for variant in standard "${budgets[@]}"; do
    flags=(); [[ $variant != standard ]] && flags=(--memory-efficient --tail-budget "$variant")
    j=$(./densefractal bench -m "densenet_bc${depth}_k12" --batch 64 --threads 2 --warmup 2 --iters 4 "${flags[@]}" --json | tail -1)
    label=$([[ $variant == standard ]] && echo standard || echo "memory-efficient, $variant")
    /usr/bin/python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print("%-5s %-22s %10.0f %10.0f %10.0f %10d" % (sys.argv[2], sys.argv[3], j["median_ms"], j["min_ms"], j["max_ms"], j["peak_rss_mb"]))' "$j" "$r" "$label"
  done
done
