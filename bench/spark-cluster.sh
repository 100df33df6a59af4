#!/usr/bin/env bash
# A real Spark standalone cluster on this machine, from the Maven-served Spark jars (no tarball):
# one master and SPARK_WORKERS workers, each its own JVM, loopback only.
#
#   bench/spark-cluster.sh start     # prints the master URL, spark://127.0.0.1:7077
#   bench/spark-cluster.sh status
#   bench/spark-cluster.sh stop      # stops the daemons (and their executors) by process id
#
# Settings (environment): SPARK_CLUSTER_DIR (jars/, logs/, pids/, work/; default
# ${TMPDIR:-/tmp}/densefractal-spark-cluster), SPARK_MASTER_PORT (7077), SPARK_WORKERS (2),
# SPARK_WORKER_CORES (1), SPARK_WORKER_MEMORY (2g: what the executors of a worker may take).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${SPARK_CLUSTER_DIR:-${TMPDIR:-/tmp}/densefractal-spark-cluster}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
port="${SPARK_MASTER_PORT:-7077}"
workers="${SPARK_WORKERS:-2}"
cores="${SPARK_WORKER_CORES:-1}"
memory="${SPARK_WORKER_MEMORY:-2g}"
source "$here/bench/spark-opens.sh"

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # log file, text, seconds, pid file
  local i
  for ((i = 0; i < $3 * 2; i++)); do
    if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
    if ! alive "$4"; then
      echo "spark-cluster: $(basename "$1" .log) exited; its log: $1" >&2
      tail -5 "$1" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "spark-cluster: $(basename "$1" .log) not up after $3 s; its log: $1" >&2
  return 1
}

jars() {
  # SPARK_HOME/jars is where a worker looks for the class path of the executors it launches.
  mkdir -p "$dir/jars"
  if [[ ! -f "$dir/classpath.txt" ]]; then
    (cd "$here" && { mvn -o -q -f bench/spark-cluster.pom.xml dependency:build-classpath \
      -Dmdep.outputFile="$dir/classpath.txt" >/dev/null 2>&1 \
      || mvn -q -f bench/spark-cluster.pom.xml dependency:build-classpath \
      -Dmdep.outputFile="$dir/classpath.txt" >&2; })
  fi
  local jar
  tr ':' '\n' <"$dir/classpath.txt" | while read -r jar; do
    ln -sf "$jar" "$dir/jars/$(basename "$jar")"
  done
}

start() {
  if alive "$dir/pids/master.pid"; then
    echo "spark-cluster: already running (stop it first): spark://127.0.0.1:$port" >&2
    exit 1
  fi
  mkdir -p "$dir/logs" "$dir/pids" "$dir/work"
  jars
  export SPARK_HOME="$dir" SPARK_SCALA_VERSION=2.13 SPARK_LOG_DIR="$dir/logs" SPARK_LOCAL_IP=127.0.0.1
  # Executors inherit the workers' environment: libtorch's allocator settings as the launcher's.
  export MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296 TORCH_CPP_LOG_LEVEL=ERROR
  # ... and the oneDNN cap of AMD Zen 5 hosts (docs/PLATFORMS.md), as the launcher sets it.
  if [[ -z "${ONEDNN_MAX_CPU_ISA:-}" && -r /proc/cpuinfo ]] \
    && grep -q -m1 AuthenticAMD /proc/cpuinfo \
    && grep -q -m1 -E '^cpu family[[:space:]]*:[[:space:]]*26$' /proc/cpuinfo; then
    export ONEDNN_MAX_CPU_ISA=SSE41
  fi
  java -Xmx512m "${opens[@]}" -cp "$dir/jars/*" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$port" --webui-port 0 >"$dir/logs/master.log" 2>&1 &
  echo $! >"$dir/pids/master.pid"
  wait_for "$dir/logs/master.log" "I have been elected leader" 90 "$dir/pids/master.pid" || { stop; exit 1; }
  local i
  for ((i = 1; i <= workers; i++)); do
    mkdir -p "$dir/work/worker-$i"
    java -Xmx512m "${opens[@]}" -cp "$dir/jars/*" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --cores "$cores" --memory "$memory" --webui-port 0 \
      --work-dir "$dir/work/worker-$i" "spark://127.0.0.1:$port" >"$dir/logs/worker-$i.log" 2>&1 &
    echo $! >"$dir/pids/worker-$i.pid"
  done
  for ((i = 1; i <= workers; i++)); do
    wait_for "$dir/logs/worker-$i.log" "Successfully registered with master" 90 \
      "$dir/pids/worker-$i.pid" || { stop; exit 1; }
  done
  echo "spark://127.0.0.1:$port"
}

stop() {
  local pidfile pid children
  for pidfile in "$dir"/pids/worker-*.pid "$dir/pids/master.pid"; do
    [[ -f "$pidfile" ]] || continue
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      # A worker's executors are its child processes.
      children="$(pgrep -P "$pid" || true)"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
      for child in $children; do kill -9 "$child" 2>/dev/null || true; done
    fi
    rm -f "$pidfile"
  done
}

status() {
  local pidfile
  for pidfile in "$dir"/pids/*.pid; do
    [[ -f "$pidfile" ]] || continue
    if alive "$pidfile"; then state=running; else state=dead; fi
    echo "$(basename "$pidfile" .pid) $(cat "$pidfile") $state"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
