#!/usr/bin/env bash
# Load benchmark of `densefractal serve` on loopback, bounded in time (see docs/BENCHMARKS.md).
#   bench/serve_load.sh matrix [SECONDS]    resnet50 (ONNX Runtime, torch.onnx.export of random
#                                           weights) + densenet_bc100_k12 (libtorch), concurrency
#                                           1/4/16/64, batching on (--max-batch 32) vs off (1)
#                                           (SERVE_MODELS="model:onnx|dataset:size[:engine] ...",
#                                           SERVE_CONCURRENCY="1 4 ...", SERVE_BATCHES="32 1" to
#                                           pick, SERVE_ARGS="--threads 1" added to serve's
#                                           options); each cell also
#                                           prints the server's and the load generator's CPU seconds
#   bench/serve_load.sh deadline [SECONDS]  fractalnet20 (SERVE_DEADLINE_ENGINE, default
#                                           onnxruntime), deadline_ms = half the server's measured
#                                           batch-1 forward of the whole network, concurrency 4
#   bench/serve_load.sh soak [SECONDS]      steady load (default 600 s): 5xx count, RSS over time
#   bench/serve_load.sh overload [SECONDS]  4x the sustainable rate, then the normal rate again
# Random weights (speed does not depend on them); every server is stopped with SIGTERM.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
what="${1:-matrix}"
secs="${2:-12}"
work="${SERVE_BENCH_DIR:-/tmp/densefractal-serve-bench}"
port="${SERVE_BENCH_PORT:-18480}"
mkdir -p "$work"
./densefractal --version >/dev/null   # builds the jar when sources changed
jar=target/densefractal-cli.jar
export TORCH_CPP_LOG_LEVEL=ERROR

weights() { # model dataset|'' -> file
  local f="$work/$1.safetensors"
  [[ -f "$f" ]] || java -Dai.djl.offline=true -cp "$jar" bench/RandomWeights.java "$1" "$f" $2 >"$work/random-weights.log" 2>&1 || { echo "cannot make random weights for $1:" >&2; tail -5 "$work/random-weights.log" >&2; return 1; }
  echo "$f"
}
onnx() { # model -> .onnx file exported by torch.onnx.export (Debian torch), random weights
  local d="$work/$1-onnx"
  [[ -f "$d/model.onnx" ]] || /usr/bin/python3 src/test/python/torch_onnx_export.py --model "$1" --out "$d" >/dev/null
  echo "$d/model.onnx"
}
png() { # size -> file: a PNG of smooth colour gradients
  local f="$work/img$1.png"
  [[ -f "$f" ]] || /usr/bin/python3 - "$1" "$f" <<'PY'
import struct, sys, zlib
n, out = int(sys.argv[1]), sys.argv[2]
rows = b"".join(b"\0" + bytes(v for x in range(n) for v in ((x * 255) // n, (y * 255) // n, 128)) for y in range(n))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
open(out, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 2, 0, 0, 0))
                      + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
  echo "$f"
}
server_pid=""
start_server() { # args... ; waits until ready
  ./densefractal serve --port "$port" "$@" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 600); do
    if curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.log" >&2; return 1; fi
    sleep 0.5
  done
  return 1
}
stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || echo "server exit code $?"
  server_pid=""
}
trap '[[ -n "$server_pid" ]] && kill -TERM "$server_pid" 2>/dev/null; true' EXIT
mkdir -p "$work/cls"
javac -d "$work/cls" bench/ServeLoad.java   # compiled once, not at every cell
load() { java -cp "$work/cls" ServeLoad "$@"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server_pid/status"; }
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$server_pid/stat"; }

echo "# $(date -u +%F) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $what"
case "$what" in
  matrix)
    # resnet50 on ONNX Runtime: libtorch's channels-last batched convolutions abort (SIGFPE in
    # oneDNN) on hosts that hide their cache sizes, as this one does (docs/BENCHMARKS.md).
    for spec in ${SERVE_MODELS:-resnet50:onnx:224 densenet_bc100_k12:cifar10:32}; do
      IFS=: read -r model data size engine <<<"$spec"
      if [[ "$data" == onnx ]]; then w="$(onnx "$model")"; else w="$(weights "$model" "$data")"; fi
      img="$(png "$size")"
      for batch in ${SERVE_BATCHES:-32 1}; do
        start_server --weights "$w" --name m --max-batch "$batch" --max-delay-ms 5 --queue 256 \
          ${engine:+--engine "$engine"} ${SERVE_ARGS:-}
        load "http://127.0.0.1:$port/predictions/m" "$img" closed 4 3 >/dev/null  # warm-up
        for c in ${SERVE_CONCURRENCY:-1 4 16 64}; do
          before="$(cpu_s)"
          result="$(load "http://127.0.0.1:$port/predictions/m" "$img" closed "$c" "$secs")"
          echo "$model${engine:+ ($engine)} max_batch=$batch $result server_cpu_s=$(awk -v a="$before" -v b="$(cpu_s)" 'BEGIN { printf "%.2f", b - a }')"
        done
        stop_server
      done
    done
    ;;
  deadline)
    # The deadline is half the whole network's batch-1 forward as the server measures it (start-up
    # timing corrected by the forwards since), read from its metadata after a warm-up.
    w="$(weights fractalnet20 cifar10)"; img="$(png 32)"
    engine="${SERVE_DEADLINE_ENGINE:-onnxruntime}"
    start_server --weights "$w" --name fn --engine "$engine" --max-batch 32 \
      --max-delay-ms "${SERVE_DEADLINE_DELAY_MS:-0}" ${SERVE_DEADLINE_ARGS:-}
    load "http://127.0.0.1:$port/predictions/fn" "$img" closed 4 3 >/dev/null
    full="$(load "http://127.0.0.1:$port/predictions/fn" "$img" closed 1 "$secs")"
    echo "fractalnet20 ($engine) whole network, concurrency 1: $full"
    forward="$(curl -s "http://127.0.0.1:$port/v2/models/fn" | sed -E 's/.*"latency_ms_batch1":\{"all":([0-9.]+).*/\1/')"
    half="$(awk -v p="$forward" 'BEGIN { printf "%.2f", p / 2 }')"
    echo "fractalnet20 ($engine) whole network batch-1 forward (server): $forward ms"
    for c in ${SERVE_DEADLINE_CONCURRENCY:-4}; do
      echo "fractalnet20 ($engine) deadline $half ms, concurrency $c: $(load "http://127.0.0.1:$port/predictions/fn" "$img" closed "$c" "$secs" "$half")"
    done
    stop_server
    ;;
  soak|overload)
    w="$(weights densenet_bc100_k12 cifar10)"; img="$(png 32)"
    start_server --weights "$w" --name m --max-batch 32 --max-delay-ms 5 --queue 256
    load "http://127.0.0.1:$port/predictions/m" "$img" closed 16 5 >/dev/null
    capacity="$(load "http://127.0.0.1:$port/predictions/m" "$img" closed 16 10 | sed -E 's/.*ok_per_s=([0-9.]+).*/\1/')"
    echo "sustainable (concurrency 16, 10 s): $capacity answers/s; RSS after warm-up $(rss_mb) MB"
    if [[ "$what" == soak ]]; then
      rate="$(awk -v c="$capacity" 'BEGIN { printf "%.1f", c / 2 }')"
      load "http://127.0.0.1:$port/predictions/m" "$img" open "$rate" "$secs" >"$work/soak.txt" &
      loader=$!
      for t in $(seq 0 30 "$secs"); do
        echo "t=${t}s rss_mb=$(rss_mb)"
        sleep 30
      done
      wait "$loader"
      echo "soak at $rate/s for $secs s: $(cat "$work/soak.txt")"
      echo "RSS at the end $(rss_mb) MB"
    else
      rate="$(awk -v c="$capacity" 'BEGIN { printf "%.1f", 4 * c }')"
      echo "overload at $rate/s (4x): $(load "http://127.0.0.1:$port/predictions/m" "$img" open "$rate" "$secs")"
      echo "RSS after overload $(rss_mb) MB"
      normal="$(awk -v c="$capacity" 'BEGIN { printf "%.1f", c / 2 }')"
      echo "then $normal/s: $(load "http://127.0.0.1:$port/predictions/m" "$img" open "$normal" "$secs")"
      echo "RSS $(rss_mb) MB"
    fi
    stop_server
    ;;
  *) echo "usage: $0 matrix|deadline|soak|overload [SECONDS]" >&2; exit 2 ;;
esac
