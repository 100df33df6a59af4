#!/usr/bin/python3
"""Checks ONNX files with Debian's python3-onnx: onnx.checker.check_model(m, full_check=True)
(structure, operator schemas for the file's opset, and strict shape inference).

  /usr/bin/python3 src/test/python/onnx_check.py FILE.onnx [FILE.onnx ...]

Prints one line per file (opset, IR version, inputs and outputs); exits 1 on the first failure.
"""
import sys

import onnx


def main():
    for path in sys.argv[1:]:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        opsets = ",".join(f"{o.domain or 'ai.onnx'}:{o.version}" for o in model.opset_import)
        inputs = [i.name for i in model.graph.input]
        outputs = [o.name for o in model.graph.output]
        print(f"{path}: ok (ir {model.ir_version}, opset {opsets}, in {inputs}, out {outputs})")


if __name__ == "__main__":
    main()
