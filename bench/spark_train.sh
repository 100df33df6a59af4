#!/usr/bin/env bash
# `spark train` against single-process `train`, side by side, at equal total threads (2), same
# recipe, global batch and seeds.
#
#   bench/spark_train.sh speed    [LIMIT=1280]
#   bench/spark_train.sh accuracy [SEEDS="0 1"] [LIMIT=0: all 60,000]  (test: all 10,000 images)
#   (WORK=/tmp/densefractal-spark-train in the environment: where runs and the cluster go;
#    CLUSTER=0 leaves out speed's standalone-cluster row)
#
# speed: resnet20_cifar, Fashion-MNIST (first LIMIT training images, one epoch, batch 128; 500 test images):
#   `train` (one process, 2 threads); `spark train` embedded (local[2]) with 1 worker x 2 threads
#   and with 2 workers x 1 thread; `spark train` on a standalone cluster of 2 workers x 1 core
#   (bench/spark-cluster.sh), 2 workers x 1 thread. Prints each run's epoch time and `spark
#   train`'s per-step breakdown.
# accuracy: Fashion-MNIST (the first LIMIT training images, or all), one epoch, the whole test split,
#   for each seed: `spark train` with 2 workers x 1 thread embedded (local[2]), then `train` (one
#   process, 2 threads; everything at the lowest priority); prints each run's test accuracy. A run
#   whose directory holds a finished epoch is not run again.
# parquet: the first LIMIT Fashion-MNIST training images (bench/spark_images.py) as a PNG folder and
#   as a Parquet table of 4 part files (bench/ImagesToParquet.java); `spark train` with 2 workers x
#   1 thread, one epoch, batch 128, 20 % held out as the test split, on the folder (local[2]), on
#   the table (local[2]) and on the table on a standalone cluster (2 workers x 1 core); prints each
#   run's last lines. Equal inputs in equal order: the three runs' losses and accuracies must match.
#   bench/spark_train.sh parquet [LIMIT=6400]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:?usage: bench/spark_train.sh speed|accuracy [...]}"
work="${WORK:-/tmp/densefractal-spark-train}"
mkdir -p "$work"
df="$here/densefractal"
common=(-m resnet20_cifar --data fashion-mnist --epochs 1)

cluster() { # [nice]: the daemons and their executors at the lowest priority
  export SPARK_CLUSTER_DIR="$work/cluster" SPARK_MASTER_PORT="${SPARK_MASTER_PORT:-17078}"
  trap '"$here/bench/spark-cluster.sh" stop' EXIT
  ${1:+nice -n 19} "$here/bench/spark-cluster.sh" start >/dev/null
  master="spark://127.0.0.1:$SPARK_MASTER_PORT"
}

report() { # label, output file
  printf '%-34s %s | %s\n' "$1" "$(grep -o 'epoch 1/1  lr.*img/s' "$2" | sed 's/  */ /g')" \
    "$(grep -o 'data-parallel: [0-9]* steps.*' "$2" || echo 'single process')"
}

case "$mode" in
  speed)
    limit="${2:-1280}"
    "$df" train "${common[@]}" --limit-train "$limit" --limit-test 500 --seed 1 --out "$work/s-train" \
      >"$work/s-train.out" 2>&1
    report "train (1 process x 2 threads)" "$work/s-train.out"
    "$df" spark train "${common[@]}" --limit-train "$limit" --limit-test 500 --seed 1 --out "$work/s-local1" \
      --workers 1 --threads-per-worker 2 --master 'local[2]' >"$work/s-local1.out" 2>&1
    report "spark local: 1 worker x 2 threads" "$work/s-local1.out"
    "$df" spark train "${common[@]}" --limit-train "$limit" --limit-test 500 --seed 1 --out "$work/s-local2" \
      --workers 2 --threads-per-worker 1 --master 'local[2]' >"$work/s-local2.out" 2>&1
    report "spark local: 2 workers x 1 thread" "$work/s-local2.out"
    [[ "${CLUSTER:-1}" == 0 ]] && exit 0
    cluster
    "$df" spark train "${common[@]}" --limit-train "$limit" --limit-test 500 --seed 1 --out "$work/s-cluster2" \
      --workers 2 --threads-per-worker 1 --master "$master" --conf spark.executor.memory=1500m \
      >"$work/s-cluster2.out" 2>&1
    report "spark cluster: 2 workers x 1 thread" "$work/s-cluster2.out"
    ;;
  accuracy)
    seeds="${2:-0 1}"
    limit=(--limit-train "${3:-0}" --limit-test 0)
    done_() { [[ -f "$1/metrics.csv" && $(wc -l <"$1/metrics.csv") -ge 2 ]]; }
    for seed in $seeds; do
      done_ "$work/a-spark-$seed" || nice -n 19 "$df" spark train "${common[@]}" "${limit[@]}" \
        --seed "$seed" --out "$work/a-spark-$seed" --workers 2 --threads-per-worker 1 \
        --master 'local[2]' >"$work/a-spark-$seed.out" 2>&1
      echo "seed $seed spark train: $(tail -1 "$work/a-spark-$seed.out")"
      done_ "$work/a-train-$seed" || nice -n 19 "$df" train "${common[@]}" "${limit[@]}" \
        --seed "$seed" --out "$work/a-train-$seed" >"$work/a-train-$seed.out" 2>&1
      echo "seed $seed train:       $(tail -1 "$work/a-train-$seed.out")"
    done
    ;;
  parquet)
    limit="${2:-6400}"
    [[ -d "$work/png-$limit" ]] || /usr/bin/python3 "$here/bench/spark_images.py" "$work/png-$limit" "$limit"
    "$df" spark --help >/dev/null # builds the Spark module and its class path files
    source "$here/bench/spark-opens.sh"
    cp="$here/spark/target/densefractal-spark-0.1.0-SNAPSHOT.jar:$here/target/densefractal-0.1.0-SNAPSHOT.jar"
    cp="$cp:$(cat "$here/spark/target/run-classpath.txt")"
    table="$work/fmnist-$limit.parquet"
    [[ -d "$table" ]] || SPARK_LOCAL_IP=127.0.0.1 java "${opens[@]}" -cp "$cp" \
      "$here/bench/ImagesToParquet.java" "$work/png-$limit" "$table" 4 2>"$work/to-parquet.err"
    p=(-m resnet20_cifar --image-size 28 --val-fraction 0.2 --epochs 1 --batch-size 128 --seed 0
      --workers 2 --threads-per-worker 1)
    rm -rf "$work/p-folder" "$work/p-table" "$work/p-cluster"
    "$df" spark train "${p[@]}" --data "$work/png-$limit" --master 'local[2]' --out "$work/p-folder" \
      >"$work/p-folder.out" 2>&1
    "$df" spark train "${p[@]}" --data "$table" --master 'local[2]' --out "$work/p-table" \
      >"$work/p-table.out" 2>&1
    cluster
    "$df" spark train "${p[@]}" --data "$table" --master "$master" \
      --conf spark.executor.memory=1500m --out "$work/p-cluster" >"$work/p-cluster.out" 2>&1
    for r in p-folder p-table p-cluster; do
      echo "== $r"; grep -E '^(training|epoch 1/1  lr|data-parallel:|test accuracy)' "$work/$r.out"
    done
    ;;
  *) echo "usage: bench/spark_train.sh speed|accuracy|parquet" >&2; exit 2 ;;
esac
