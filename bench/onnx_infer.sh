#!/usr/bin/env bash
# Inference side by side, 2 threads, one run: PyTorch eager (bench/torch_step.py, Debian torch 1.13),
# our libtorch path (`densefractal bench --mode infer`), ONNX Runtime on our export (`densefractal
# export --to`) and ONNX Runtime on torch.onnx.export's graph of the same network
# (`densefractal bench --engine onnxruntime`). Each cell is its own process: median ms of the timed
# forwards and the process's peak RSS. Prints a markdown table (and the raw JSON lines to
# $work/results.jsonl). Random weights: the speed of a forward does not depend on their values.
#
# Usage: bench/onnx_infer.sh [iters] [models...]
#   default: 3 timed forwards after 3 warm-ups (WARMUP=n to change; eager PyTorch and libtorch
#   build their oneDNN primitives in the first forwards); resnet50 resnext50_32x4d densenet121
#   densenet_bc100_k12 fractalnet20 fractalnet20:1 (":1" = column 1 alone)
#   OPT_LEVELS=1 bench/onnx_infer.sh  also times ONNX Runtime's graph optimisation levels.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
iters="${1:-3}"; shift || true
models=("$@")
if [[ ${#models[@]} -eq 0 ]]; then
  models=(resnet50 resnext50_32x4d densenet121 densenet_bc100_k12 fractalnet20 fractalnet20:1)
fi
threads=2
warmup="${WARMUP:-3}"
work="${WORK:-$(mktemp -d)}"
mkdir -p "$work"
results="$work/results.jsonl"
: >"$results"
./densefractal summary --list >/dev/null   # build the jar outside the measurement
has_export=0
if ./densefractal export --help 2>/dev/null | grep -q -- '\.onnx'; then has_export=1; fi

echo "date=$(date -u +%F) threads=$threads warmup=$warmup iters=$iters cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

record() {  # engine model column batch json
  /usr/bin/python3 - "$@" >>"$results" <<'PY'
import json, sys
engine, model, column, batch, text = sys.argv[1:6]
line = [l for l in text.splitlines() if l.startswith("{")]
o = json.loads(line[-1]) if line else {"median_ms": None, "peak_rss_mb": None}
print(json.dumps({"engine": engine, "model": model, "column": column, "batch": int(batch),
                  "median_ms": o.get("median_ms"), "peak_rss_mb": o.get("peak_rss_mb")}))
PY
}

for spec in "${models[@]}"; do
  model="${spec%%:*}"; column=""; [[ "$spec" == *:* ]] && column="${spec##*:}"
  case "$model" in
    *_cifar|fractalnet*|densenet_bc*|densenet*_k*) size=32; classes=10; big=64 ;;
    *) size=224; classes=1000; big=32 ;;
  esac
  colargs=(); [[ -n "$column" ]] && colargs=(--column "$column")
  tag="$model${column:+-c$column}"
  # torch.onnx.export's graph of the same network (opset 13, dynamic batch), and its weights,
  # which our export then writes (1000 outputs everywhere so that our exporter reads the .pth as
  # ImageNet weights without a dataset on disk; the head is <1 % of any of these networks' MACs).
  /usr/bin/python3 src/test/python/torch_onnx_export.py --model "$model" --out "$work/torch-$tag" \
      --num-classes 1000 --pth "${colargs[@]}" >/dev/null 2>&1
  if [[ $has_export == 1 ]]; then
    ./densefractal export -m "$model" --weights "$work/torch-$tag/weights.pth" --image-size "$size" \
        "${colargs[@]}" --to "$work/ours-$tag.onnx" >/dev/null 2>&1 || echo "export of $tag failed" >&2
  fi
  for batch in 1 "$big"; do
    j=$(/usr/bin/python3 bench/torch_step.py --model "$model" --mode infer --batch "$batch" \
        --size "$size" --num-classes "$classes" --threads "$threads" --warmup "$warmup" --iters "$iters" \
        "${colargs[@]}" 2>/dev/null || true)
    record torch "$model" "$column" "$batch" "$j"
    j=$(./densefractal bench --mode infer -m "$model" --batch "$batch" --threads "$threads" \
        --warmup "$warmup" --iters "$iters" "${colargs[@]}" --json 2>/dev/null || true)
    record libtorch "$model" "$column" "$batch" "$j"
    if [[ -f "$work/ours-$tag.onnx" ]]; then
      j=$(./densefractal bench --mode infer --engine onnxruntime --weights "$work/ours-$tag.onnx" \
          --batch "$batch" --threads "$threads" --warmup "$warmup" --iters "$iters" "${colargs[@]}" \
          --json 2>/dev/null || true)
    else
      j=""
    fi
    record ort-ours "$model" "$column" "$batch" "$j"
    j=$(./densefractal bench --mode infer --engine onnxruntime --weights "$work/torch-$tag/model.onnx" \
        --batch "$batch" --threads "$threads" --warmup "$warmup" --iters "$iters" --json 2>/dev/null || true)
    record ort-torch "$model" "$column" "$batch" "$j"
  done
  if [[ "${OPT_LEVELS:-0}" == 1 ]]; then
    for level in BASIC_OPT EXTENDED_OPT ALL_OPT; do
      for batch in 1 "$big"; do
        j=$(./densefractal bench --mode infer --engine onnxruntime \
            --weights "$work/torch-$tag/model.onnx" --graph-optimization "$level" --batch "$batch" \
            --threads "$threads" --warmup "$warmup" --iters "$iters" --json 2>/dev/null || true)
        record "ort-torch-$level" "$model" "$column" "$batch" "$j"
      done
    done
  fi
done

/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cells = {(r["model"], r["column"], r["batch"], r["engine"]): r for r in rows}
def ms(k):
    r = cells.get(k)
    return r["median_ms"] if r and r["median_ms"] is not None else None
def fmt(v, f="%.1f"):
    return "n/a" if v is None else f % v
print("| model | batch | PyTorch eager ms | libtorch ms | ORT (our export) ms | ORT (torch export) ms"
      " | ours / eager | ours / ORT-torch | peak RSS MB: eager / libtorch / ORT ours / ORT torch |")
print("|---|---|---|---|---|---|---|---|---|")
seen = []
for r in rows:
    key = (r["model"], r["column"], r["batch"])
    if key in seen:
        continue
    seen.append(key)
    m, c, b = key
    t, l, o, p = (ms(key + (e,)) for e in ("torch", "libtorch", "ort-ours", "ort-torch"))
    rss = " / ".join(fmt((cells.get(key + (e,)) or {}).get("peak_rss_mb"), "%d")
                     for e in ("torch", "libtorch", "ort-ours", "ort-torch"))
    speed = fmt(t / o if t and o else None, "%.2fx")
    parity = fmt(p / o if p and o else None, "%.2fx")
    name = m + (" column " + c if c else "")
    print(f"| {name} | {b} | {fmt(t)} | {fmt(l)} | {fmt(o)} | {fmt(p)} | {speed} | {parity} | {rss} |")
levels = sorted({r["engine"] for r in rows if r["engine"].startswith("ort-torch-")})
if levels:
    print()
    print("| model | batch | " + " | ".join(l[len("ort-torch-"):] + " ms" for l in levels) + " |")
    print("|---|---|" + "---|" * len(levels))
    for key in seen:
        m, c, b = key
        vals = " | ".join(fmt(ms(key + (l,))) for l in levels)
        print(f"| {m + (' column ' + c if c else '')} | {b} | {vals} |")
PY
echo "raw results: $results"
