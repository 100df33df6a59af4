#!/usr/bin/env bash
# The memory-efficient step's time against the standard step's, measured in pairs in one process
# (`bench --versus-standard`: each memory-efficient step alternates with a standard one on the same
# weights and input, so a shared machine's drifts hit both alike). DenseNet-BC-k12, batch 64.
#   bench/densenet_versus_standard.sh [DEPTHS] [ITERS] [TAIL_BUDGET]   (defaults: "100 190 250" 8 5)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
depths="${1:-100 190 250}"; iters="${2:-8}"; budget="${3:-5}"
./densefractal summary --list >/dev/null   # build outside the measurement
echo "date=$(date -u +%FT%T) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) iters=$iters tail_budget=$budget"
printf "%-6s %16s %16s %18s\n" depth standard_ms mem_eff_ms median_pair_ratio
for depth in $depths; do
  j=$(./densefractal bench -m "densenet_bc${depth}_k12" --batch 64 --threads 2 --warmup 2 \
    --iters "$iters" --memory-efficient --tail-budget "$budget" --versus-standard --json | tail -1)
  /usr/bin/python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print("%-6s %16.0f %16.0f %18.3f" % (sys.argv[2], j["standard_median_ms"], j["median_ms"], j["median_ratio_to_standard"]))' "$j" "$depth"
done
