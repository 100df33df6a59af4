#!/usr/bin/env bash
# Peak RSS and wall time of one `infer` job (load .pth weights, eval forward of an .npy batch, save
# logits) in densefractal and in PyTorch 1.13 (Debian), alternating runs on the same machine.
# Usage: bench/infer_rss.sh [model] [batch] [size] [runs]     (default: resnet50 8 224 3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
model="${1:-resnet50}"; batch="${2:-8}"; size="${3:-224}"; runs="${4:-3}"
threads="$(nproc)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$model" "$batch" "$size" "$work" <<'PY'
import sys, numpy as np, torch, torchvision
model, batch, size, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
torch.manual_seed(0)
torch.save(getattr(torchvision.models, model)().state_dict(), work + "/w.pth")
np.save(work + "/x.npy", torch.randn(batch, 3, size, size).numpy())
PY
./densefractal summary --list >/dev/null   # build the jar outside the measurement

measure() {  # prints "peak_rss_kb wall_s"
  /usr/bin/time -f "%M %e" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/time"
}
echo "model=$model batch=$batch size=${size}x${size} threads=$threads runs=$runs"
echo "date=$(date -u +%F) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for i in $(seq "$runs"); do
  j=$(measure env DENSEFRACTAL_JAVA_OPTS="-Dai.djl.pytorch.num_threads=$threads" \
      ./densefractal infer --model "$model" --weights "$work/w.pth" --input "$work/x.npy" --output "$work/j.npy")
  p=$(measure /usr/bin/python3 bench/torch_infer.py --model "$model" --weights "$work/w.pth" \
      --input "$work/x.npy" --output "$work/p.npy" --threads "$threads")
  echo "run $i: densefractal rss_mb=$(( ${j% *} / 1024 )) wall_s=${j#* }   pytorch rss_mb=$(( ${p% *} / 1024 )) wall_s=${p#* }"
done
/usr/bin/python3 - "$work" <<'PY'
import sys, numpy as np
w = sys.argv[1]
j, p = np.load(w + "/j.npy"), np.load(w + "/p.npy")
print("logits max|diff|/max|ref| = %.3g" % (np.abs(j - p).max() / np.abs(p).max()))
PY
