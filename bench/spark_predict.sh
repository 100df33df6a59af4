#!/usr/bin/env bash
# Spark batch prediction against single-process `predict`, side by side on the same images and
# weights, at equal cores (2): `predict` (one process, libtorch on 2 threads, one image per
# forward), the Spark job embedded on local[2] (2 tasks x 1 thread) at --batch 1 and --batch 32,
# and the job on a standalone cluster of 2 workers x 1 core (bench/spark-cluster.sh).
#
#   bench/spark_predict.sh RUN_DIR [IMAGES=10000] [WORK=/tmp/densefractal-spark-bench]
#
# Prints wall seconds per run (JVM start, model load and Spark start-up included) and the job's
# own seconds as the job reports them (read input -> committed Parquet, model load included).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run="$(cd "$1" && pwd)"
n="${2:-10000}"
work="${3:-/tmp/densefractal-spark-bench}"
mkdir -p "$work"
df="$here/densefractal"

if [[ ! -d "$work/images-$n" ]]; then
  /usr/bin/python3 "$here/bench/spark_images.py" "$work/images-$n" "$n"
fi
# Relative paths, run from the image folder: 50,000 absolute paths would pass the kernel's ARG_MAX.
mapfile -t files < <(cd "$work/images-$n" && find . -name '*.png' | sort)
echo "images: ${#files[@]} PNGs (Fashion-MNIST train split, 28x28 grey), run: $run"

now() { date +%s.%N; }
timed() { # label, images, command...
  local label="$1" images="$2" t0 t1
  shift 2
  t0="$(now)"
  "$@" >"$work/$label.out" 2>"$work/$label.err" || { echo "$label failed:"; tail -3 "$work/$label.err"; return 1; }
  t1="$(now)"
  printf '%-28s wall %7.1f s  %7.1f images/s   %s\n' "$label" "$(echo "$t1 - $t0" | bc)" \
    "$(echo "$images / ($t1 - $t0)" | bc -l)" "$(grep -o '[0-9]* images ([0-9]* with an error) in [0-9.]* s, [0-9.]* images/s' "$work/$label.out" || true)"
}

# Start-up alone (JVM, model load, one image) to separate it from the per-image cost.
(cd "$work/images-$n"
timed predict-1-image 1 "$df" predict --run "$run" --top 5 "${files[0]}"
timed predict "$n" "$df" predict --run "$run" --top 5 "${files[@]}")
timed spark-local2-batch1 "$n" "$df" spark predict --master 'local[2]' --data "$work/images-$n" \
  --out "$work/local-b1.parquet" --overwrite --run "$run" --top 5 --batch 1
timed spark-local2-batch32 "$n" "$df" spark predict --master 'local[2]' --data "$work/images-$n" \
  --out "$work/local-b32.parquet" --overwrite --run "$run" --top 5 --batch 32

export SPARK_CLUSTER_DIR="$work/cluster" SPARK_MASTER_PORT="${SPARK_MASTER_PORT:-17077}"
trap '"$here/bench/spark-cluster.sh" stop' EXIT
"$here/bench/spark-cluster.sh" start >/dev/null
timed spark-cluster2x1-batch32 "$n" "$df" spark predict --master "spark://127.0.0.1:$SPARK_MASTER_PORT" \
  --data "$work/images-$n" --out "$work/cluster-b32.parquet" --overwrite --run "$run" --top 5 \
  --batch 32 --conf spark.executor.memory=1g
