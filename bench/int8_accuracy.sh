#!/usr/bin/env bash
# int8 against float32 accuracy of a trained run: exports the run's best weights as a float32
# .onnx and as int8 .onnx files (each calibration method, CALIB_N training images of the run's
# dataset, default 512), then on the full test split: top-1 of each by `densefractal eval`, and
# top-1 agreement of int8 with float32 from `densefractal infer` logits over the same test images.
#
# Usage: bench/int8_accuracy.sh RUN_DIR IDX_DIR   (IDX_DIR: the dataset's t10k-*-idx*-ubyte.gz)
#   e.g. bench/int8_accuracy.sh runs/r20 /usr/share/datasets/fashion-mnist
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
run="$1"; idx="$2"
calib_n="${CALIB_N:-512}"
work="${WORK:-$(mktemp -d)}"
mkdir -p "$work"
dataset=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["dataset"])' "$run/state.json")
model=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["model"])' "$run/state.json")
./densefractal export --run "$run" --to "$work/fp32.onnx" >/dev/null
# The test images as the evaluation transform makes them (Fashion-MNIST: 28x28, no resize/crop).
/usr/bin/python3 - "$idx" "$work" "$work/fp32.onnx" <<'PY'
import gzip, json, sys
import numpy as np
import onnx
idx, work, model = sys.argv[1:4]
meta = {p.key: p.value for p in onnx.load(model).metadata_props}
mean = np.float32(json.loads(meta["densefractal.mean"])[0])
std = np.float32(json.loads(meta["densefractal.std"])[0])
with gzip.open(f"{idx}/t10k-images-idx3-ubyte.gz") as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
with gzip.open(f"{idx}/t10k-labels-idx1-ubyte.gz") as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)
np.save(f"{work}/test.npy", ((x.astype(np.float32) / np.float32(255)) - mean) / std)
np.save(f"{work}/labels.npy", y.astype(np.int64))
PY
top1() { ./densefractal eval --weights "$1" --confusion "$work/confusion.png" | awk '/test accuracy/ {print $3}'; }
./densefractal infer --weights "$work/fp32.onnx" --input "$work/test.npy" --output "$work/fp32-logits.npy" >/dev/null
echo "| model | dataset | weights | calibration | test top-1 | agreement with float32 |"
echo "|---|---|---|---|---|---|"
echo "| $model | $dataset | float32 | - | $(top1 "$work/fp32.onnx") % | - |"
for method in minmax percentile; do
  ./densefractal export --run "$run" --to "$work/int8-$method.onnx" --quantize int8 \
      --calibration-data "$dataset" --calibration-images "$calib_n" --calibration-method "$method" >/dev/null
  ./densefractal infer --weights "$work/int8-$method.onnx" --input "$work/test.npy" \
      --output "$work/int8-$method-logits.npy" >/dev/null
  agree=$(/usr/bin/python3 - "$work" "$method" <<'PY'
import sys
import numpy as np
work, method = sys.argv[1:3]
f = np.load(f"{work}/fp32-logits.npy").argmax(1)
q = np.load(f"{work}/int8-{method}-logits.npy").argmax(1)
y = np.load(f"{work}/labels.npy")
print("%.2f %% (top-1 from logits: float32 %.2f %%, int8 %.2f %%)"
      % (100 * (f == q).mean(), 100 * (f == y).mean(), 100 * (q == y).mean()))
PY
)
  echo "| $model | $dataset | int8 | $method, $calib_n images | $(top1 "$work/int8-$method.onnx") % | $agree |"
done
echo "files: $work"
