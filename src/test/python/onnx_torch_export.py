#!/usr/bin/python3
"""The torch side of the ONNX interop test: a torchvision model with seeded random weights (and
BatchNorm statistics far from the identity), saved as a .pth for our exporter and exported by
Debian torch 1.13's own torch.onnx.export, so that ONNX Runtime can run both graphs on one input.

  /usr/bin/python3 src/test/python/onnx_torch_export.py --model resnet18 --num-classes 10 \
      --size 64 --out DIR

Writes DIR/<model>.pth (state dict) and DIR/<model>-torch.onnx (input "input" (N, 3, H, W) with
dynamic N, output "logits", opset 13, eval mode).
"""
import argparse
import os

import torch
import torchvision


def randomise_batchnorm(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
                m.running_mean.normal_(0.0, 0.2)
                m.running_var.uniform_(0.5, 2.0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--num-classes", type=int, default=10)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    torch.manual_seed(0)
    model = getattr(torchvision.models, args.model)(num_classes=args.num_classes)
    randomise_batchnorm(model)
    model.eval()
    torch.save(model.state_dict(), os.path.join(args.out, args.model + ".pth"))
    x = torch.randn(1, 3, args.size, args.size)
    torch.onnx.export(
        model,
        x,
        os.path.join(args.out, args.model + "-torch.onnx"),
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
        opset_version=13,
        do_constant_folding=True,
    )
    print("wrote", args.model, "to", args.out)


if __name__ == "__main__":
    main()
