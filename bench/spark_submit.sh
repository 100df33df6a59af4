#!/usr/bin/env bash
# The cluster recipe for real: builds the job jar, starts a standalone cluster on this machine
# (bench/spark-cluster.sh: one master, two workers, loopback), submits the jar with spark-submit's
# own main class (org.apache.spark.deploy.SparkSubmit, in the Maven-served Spark jars: no Spark
# download), predicts IMAGES Fashion-MNIST PNGs (the bundled subset), then checks the Parquet output
# against single-process `predict` on the same files (bench/SparkOutputCheck.java). Exits 1 on
# any difference.
#
#   bench/spark_submit.sh RUN_DIR [IMAGES=300] [WORK=/tmp/densefractal-spark-submit]
#
# SPARK_MASTER_PORT (17177) picks the cluster's port.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run="$(cd "$1" && pwd)"
n="${2:-300}"
work="${3:-/tmp/densefractal-spark-submit}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
job="$here/spark/target/densefractal-spark-job.jar"

if [[ ! -f "$job" ]] || [[ -n "$(find "$here/pom.xml" "$here/src/main" "$here/spark/pom.xml" \
  "$here/spark/src/main" -newer "$job" -print -quit)" ]]; then
  echo "building $job ..." >&2
  (cd "$here" && mvn -q -DskipTests install \
    && mvn -q -f spark/pom.xml -Pjob-jar -DskipTests package)
fi
if [[ ! -d "$work/images-$n" ]]; then
  /usr/bin/python3 "$here/bench/spark_images.py" "$work/images-$n" "$n"
fi

source "$here/bench/spark-opens.sh"
# The driver loads the model too: the oneDNN cap of AMD Zen 5 hosts (docs/PLATFORMS.md), as the
# launcher sets it; the driver passes it on to the executors.
if [[ -z "${ONEDNN_MAX_CPU_ISA:-}" && -r /proc/cpuinfo ]] \
  && grep -q -m1 AuthenticAMD /proc/cpuinfo \
  && grep -q -m1 -E '^cpu family[[:space:]]*:[[:space:]]*26$' /proc/cpuinfo; then
  export ONEDNN_MAX_CPU_ISA=SSE41
fi
export SPARK_LOCAL_IP=127.0.0.1 TORCH_CPP_LOG_LEVEL=ERROR

export SPARK_CLUSTER_DIR="$work/cluster" SPARK_MASTER_PORT="${SPARK_MASTER_PORT:-17177}"
trap '"$here/bench/spark-cluster.sh" stop' EXIT
master="$("$here/bench/spark-cluster.sh" start)"
spark="$SPARK_CLUSTER_DIR/jars/*" # Spark's jars, as bench/spark-cluster.sh links them

out="$work/submitted.parquet"
echo "spark-submit to $master: $n images, run $run" >&2
if ! java -Xmx1g "${opens[@]}" -Dai.djl.offline=true -cp "$spark" \
  org.apache.spark.deploy.SparkSubmit \
  --master "$master" --conf spark.executor.memory=1g \
  --class io.densefractal.spark.SparkMain "$job" \
  predict --data "$work/images-$n" --out "$out" --overwrite --run "$run" --top 5 \
  >"$work/submit.out" 2>"$work/submit.err"; then
  tail -20 "$work/submit.err" >&2
  echo "spark-submit failed (log: $work/submit.err)" >&2
  exit 1
fi
cat "$work/submit.out"

mapfile -t files < <(find "$work/images-$n" -name '*.png' | sort)
"$here/densefractal" predict --run "$run" --top 5 "${files[@]}" >"$work/predict.txt"
if ! java "${opens[@]}" -Dai.djl.offline=true -cp "$spark:$job" "$here/bench/SparkOutputCheck.java" \
  "$out" "$run" "$work/predict.txt" 2>"$work/check.err"; then
  grep -v ' INFO \| WARN ' "$work/check.err" | tail -12 >&2
  exit 1
fi
