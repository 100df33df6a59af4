#!/usr/bin/env bash
# Training benchmark, densefractal vs PyTorch 1.13 on the same machine: each model is trained on
# Fashion-MNIST with the same recipe, epochs and subset size by `densefractal train` and by
# bench/torch_train.py, one after the other; prints test accuracy and seconds per training epoch.
#
#   bench/train_side_by_side.sh [EPOCHS] [LIMIT_TRAIN] [LIMIT_TEST] [MODEL...]
#   bench/train_side_by_side.sh 3 5000 5000 resnet20_cifar densenet_bc100_k12 fractalnet20
#
# LIMIT_* = 0 uses the full sets (60,000 / 10,000). Runs go to runs/train-bench/<model>; a finished
# run there is reused (delete it to retrain). Threads: 2 on both sides (THREADS to change).
# Allocator: both sides use jemalloc when Debian's libjemalloc2 is present (our launcher's default;
# TORCH_MALLOC=glibc runs PyTorch with glibc malloc, which is ~1.9x slower for DenseNet here).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
epochs=${1:-3}; limit_train=${2:-5000}; limit_test=${3:-5000}; shift 3 || true
models=("$@"); [[ ${#models[@]} -gt 0 ]] || models=(resnet20_cifar densenet_bc100_k12 fractalnet20)
threads=${THREADS:-2}
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
out=runs/train-bench
mkdir -p "$out"
export DENSEFRACTAL_JAVA_OPTS="${DENSEFRACTAL_JAVA_OPTS:-} -Dai.djl.pytorch.num_threads=$threads -Dai.djl.pytorch.num_interop_threads=1"

echo "date: $(date -u +%F), CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), threads: $threads"
echo "PyTorch malloc: $( [[ "${TORCH_MALLOC:-jemalloc}" == jemalloc && -r "$jemalloc" ]] && echo jemalloc || echo glibc)"
echo "epochs $epochs, train subset ${limit_train:-all}, test subset ${limit_test:-all}"
printf '| model | ours: test acc %% | PyTorch: test acc %% | diff pp | ours s/epoch | PyTorch s/epoch | ratio |\n|---|---:|---:|---:|---:|---:|---:|\n' > "$out/table.md"
for m in "${models[@]}"; do
  run="$out/$m"
  if ! grep -q "\"epoch\":$epochs," "$run/metrics.jsonl" 2>/dev/null; then
    rm -rf "$run"
    ./densefractal train -m "$m" --data fashion-mnist --epochs "$epochs" \
      --limit-train "$limit_train" --limit-test "$limit_test" --out "$run" > "$run.log" 2>&1
  fi
  torch_env=()
  if [[ "${TORCH_MALLOC:-jemalloc}" == jemalloc && -r "$jemalloc" ]]; then
    torch_env=(LD_PRELOAD="$jemalloc" MALLOC_CONF="dirty_decay_ms:-1,muzzy_decay_ms:-1")
  fi
  env "${torch_env[@]}" /usr/bin/python3 bench/torch_train.py --model "$m" --epochs "$epochs" --threads "$threads" \
    --limit-train "$limit_train" --limit-test "$limit_test" > "$out/$m.torch.log" 2>&1
  /usr/bin/python3 - "$run/metrics.jsonl" "$out/$m.torch.log" "$m" >> "$out/table.md" <<'PY'
import json, statistics, sys
ours = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
torch = json.loads([l for l in open(sys.argv[2]) if l.startswith("{")][-1])
a, b = 100 * ours[-1]["test_accuracy"], 100 * torch["test_accuracy"]
s1 = statistics.median(m["seconds"] for m in ours)
s2 = statistics.median(torch["epoch_seconds"])
print(f"| {sys.argv[3]} | {a:.2f} | {b:.2f} | {a - b:+.2f} | {s1:.1f} | {s2:.1f} | {s2 / s1:.2f}x |")
PY
done
cat "$out/table.md"
