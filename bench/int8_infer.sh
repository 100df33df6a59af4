#!/usr/bin/env bash
# int8 inference side by side, 2 threads, one run: PyTorch float32 eager (bench/torch_step.py,
# Debian torch 1.13), ONNX Runtime float32 on our export (`densefractal export --to`) and ONNX
# Runtime int8 on our quantized export of the same weights (`export --quantize int8`). Each cell
# is its own process: median ms of the timed forwards and the process's peak RSS (VmHWM / ru_maxrss).
# Also prints which kernels ONNX Runtime ran for each int8 file (its profiler; bench/OrtKernels.java).
# Random torchvision weights (the speed of a forward does not depend on their values); the int8
# files are calibrated on real images, CALIB_N of them (default 64), resized to 256 and
# centre-cropped to 224 like ImageNet's evaluation: CALIB (a dataset name or image folder, e.g.
# cifar10), by default an image folder of 200 photos of the bundled Fashion-MNIST subset
# (bench/spark_images.py; grey PNGs, read as RGB like any image folder).
#
# Usage: bench/int8_infer.sh [iters] [models...]
#   default: 10 timed forwards after 3 warm-ups (WARMUP=n), resnet50 densenet121, batches 1 and 32.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
iters="${1:-10}"; shift || true
models=("$@")
if [[ ${#models[@]} -eq 0 ]]; then models=(resnet50 densenet121); fi
threads=2
warmup="${WARMUP:-3}"
calib="${CALIB:-}"
calib_n="${CALIB_N:-64}"
work="${WORK:-$(mktemp -d)}"
mkdir -p "$work"
results="$work/results.jsonl"
: >"$results"
./densefractal summary --list >/dev/null   # build the jar outside the measurement
if [[ -z "$calib" ]]; then
  calib="$work/calibration-images"
  rm -rf "$calib"
  /usr/bin/python3 bench/spark_images.py "$calib" 200
fi
jar=target/densefractal-cli.jar

echo "date=$(date -u +%F) threads=$threads warmup=$warmup iters=$iters calibration=$calib x$calib_n"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
     "int8 flags: $(grep -m1 -o -w -E 'avx512_vnni|avx_vnni|amx_int8' /proc/cpuinfo | sort -u | xargs)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

record() {  # engine model batch json
  /usr/bin/python3 - "$@" >>"$results" <<'PY'
import json, sys
engine, model, batch, text = sys.argv[1:5]
line = [l for l in text.splitlines() if l.startswith("{")]
o = json.loads(line[-1]) if line else {"median_ms": None, "peak_rss_mb": None}
print(json.dumps({"engine": engine, "model": model, "batch": int(batch),
                  "median_ms": o.get("median_ms"), "peak_rss_mb": o.get("peak_rss_mb")}))
PY
}

for model in "${models[@]}"; do
  size=224; big=32
  /usr/bin/python3 src/test/python/torch_onnx_export.py --model "$model" --out "$work/torch-$model" \
      --num-classes 1000 --pth >/dev/null 2>&1
  ./densefractal export -m "$model" --weights "$work/torch-$model/weights.pth" --image-size "$size" \
      --to "$work/$model-fp32.onnx" >/dev/null
  ./densefractal export -m "$model" --weights "$work/torch-$model/weights.pth" --image-size "$size" \
      --to "$work/$model-int8.onnx" --quantize int8 --calibration-data "$calib" \
      --calibration-images "$calib_n"
  echo "$model int8 kernels: $(java -Dai.djl.offline=true -cp "$jar" bench/OrtKernels.java \
      "$work/$model-int8.onnx" "$threads" 5 2>/dev/null)"
  echo "$model fp32 kernels: $(java -Dai.djl.offline=true -cp "$jar" bench/OrtKernels.java \
      "$work/$model-fp32.onnx" "$threads" 5 2>/dev/null)"
  for batch in 1 "$big"; do
    j=$(/usr/bin/python3 bench/torch_step.py --model "$model" --mode infer --batch "$batch" \
        --size "$size" --num-classes 1000 --threads "$threads" --warmup "$warmup" --iters "$iters" \
        2>/dev/null || true)
    record torch "$model" "$batch" "$j"
    for kind in fp32 int8; do
      j=$(./densefractal bench --mode infer --engine onnxruntime --weights "$work/$model-$kind.onnx" \
          --batch "$batch" --threads "$threads" --warmup "$warmup" --iters "$iters" --json \
          2>/dev/null || true)
      record "ort-$kind" "$model" "$batch" "$j"
    done
  done
done

/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cells = {(r["model"], r["batch"], r["engine"]): r for r in rows}
def get(k, f):
    r = cells.get(k)
    return r.get(f) if r else None
def fmt(v, f="%.1f"):
    return "n/a" if v is None else f % v
print()
print("| model | batch | PyTorch fp32 eager ms | ORT fp32 ms | ORT int8 ms | int8 vs eager"
      " | int8 vs ORT fp32 | peak RSS MB: eager / ORT fp32 / ORT int8 |")
print("|---|---|---|---|---|---|---|---|")
seen = []
for r in rows:
    key = (r["model"], r["batch"])
    if key in seen:
        continue
    seen.append(key)
    t, f, q = (get(key + (e,), "median_ms") for e in ("torch", "ort-fp32", "ort-int8"))
    rss = " / ".join(fmt(get(key + (e,), "peak_rss_mb"), "%d")
                     for e in ("torch", "ort-fp32", "ort-int8"))
    print(f"| {key[0]} | {key[1]} | {fmt(t)} | {fmt(f)} | {fmt(q)} | "
          f"{fmt(t / q if t and q else None, '%.2fx')} | {fmt(f / q if f and q else None, '%.2fx')}"
          f" | {rss} |")
PY
echo "raw results: $results"
