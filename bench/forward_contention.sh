#!/usr/bin/env bash
# How much other work on the same cores slows a libtorch forward: `bench --mode infer` of
# densenet_bc100_k12 (CIFAR-10 shape: 3x32x32, 10 classes; batch BATCH, 2 intra-op threads) alone,
# then beside a busy loop that takes a given share of one core (duty cycle in 10 ms periods, the
# way a server's request threads and its load generator take their share of CPU between forwards).
# Run on an otherwise idle machine.
#
#   bench/forward_contention.sh [BATCH=14] [ITERS=15] [SHARES="0 25 50"]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
batch="${1:-14}"; iters="${2:-15}"; shares="${3:-0 25 50}"
"$here/densefractal" --version >/dev/null # builds the jar when sources changed
for share in $shares; do
  hog=""
  if [[ "$share" != 0 ]]; then
    /usr/bin/python3 -c "
import time
busy = $share / 10000.0  # seconds busy in each 10 ms period
while True:
    t = time.perf_counter()
    while time.perf_counter() - t < busy:
        pass
    time.sleep(0.010 - busy)
" &
    hog=$!
  fi
  for threads in 2 1; do
    line="$("$here/densefractal" bench -m densenet_bc100_k12 --mode infer --num-classes 10 \
      --size 32 --batch "$batch" --threads "$threads" --warmup 3 --iters "$iters" 2>/dev/null \
      | grep median)"
    printf 'busy loop %2s %% of a core | %d threads | %s\n' "$share" "$threads" "$line"
  done
  if [[ -n "$hog" ]]; then
    cpu="$(ps -o times= -p "$hog")"
    kill "$hog"; wait "$hog" 2>/dev/null || true
    echo "  (the busy loop used ${cpu}s of CPU)"
  fi
done
