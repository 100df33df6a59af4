#!/usr/bin/env bash
# Training benchmark, densefractal vs PyTorch 1.13 on the same machine: each model is trained on
# Fashion-MNIST with the same recipe, epochs and subset size by `densefractal train` and by
# bench/torch_train.py, one after the other; prints test accuracy and seconds per training epoch.
#
#   bench/train_side_by_side.sh [EPOCHS] [LIMIT_TRAIN] [LIMIT_TEST] [MODEL...]
#   bench/train_side_by_side.sh 3 5000 5000 resnet20_cifar densenet_bc100_k12 fractalnet20
#
# LIMIT_* = 0 uses the full sets (60,000 / 10,000). Runs go to runs/train-bench/<model>; a finished
# run there is reused (delete it to retrain) and an interrupted one is resumed, on both sides (ours
# with `train --resume`, PyTorch's from runs/train-bench/<model>.torch.ckpt). Threads: 2 on both
# sides (THREADS to change). PARALLEL=1 trains both sides of a model at the same time (use with
# THREADS=1): the accuracies are as good, the seconds per epoch are not comparable.
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
train_ours() {  # $1 model: trains, resumes an unfinished run, or keeps a finished one
  local run="$out/$1"
  grep -q "\"epoch\":$epochs," "$run/metrics.jsonl" 2>/dev/null && return
  if /usr/bin/python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["config"]
sys.exit((c["recipe"]["epochs"], c["limitTrain"], c["limitTest"]) != tuple(map(int, sys.argv[2:])))' \
      "$run/state.json" "$epochs" "$limit_train" "$limit_test" 2>/dev/null; then
    ./densefractal train --resume "$run" >> "$run.log" 2>&1
  else
    rm -rf "$run"
    ./densefractal train -m "$1" --data fashion-mnist --epochs "$epochs" \
      --limit-train "$limit_train" --limit-test "$limit_test" --out "$run" > "$run.log" 2>&1
  fi
}
train_torch() {  # $1 model: the same, with bench/torch_train.py's checkpoint
  local log="$out/$1.torch.log" ckpt="$out/$1.torch.ckpt"
  [[ -f "$ckpt" ]] || rm -f "$log"
  grep -q "\"epochs\": $epochs," "$log" 2>/dev/null && return
  local torch_env=()
  if [[ "${TORCH_MALLOC:-jemalloc}" == jemalloc && -r "$jemalloc" ]]; then
    torch_env=(LD_PRELOAD="$jemalloc" MALLOC_CONF="dirty_decay_ms:-1,muzzy_decay_ms:-1")
  fi
  env "${torch_env[@]}" /usr/bin/python3 bench/torch_train.py --model "$1" --epochs "$epochs" \
    --threads "$threads" --limit-train "$limit_train" --limit-test "$limit_test" \
    --checkpoint "$ckpt" >> "$log" 2>&1
}
./densefractal summary --list > /dev/null   # build the jar before either side starts
for m in "${models[@]}"; do
  run="$out/$m"
  if [[ "${PARALLEL:-0}" == 1 ]]; then
    train_ours "$m" & ours_pid=$!
    train_torch "$m"
    wait "$ours_pid"
  else
    train_ours "$m"
    train_torch "$m"
  fi
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
