#!/usr/bin/python3
"""A model as PyTorch users ship it: torch.onnx.export (Debian torch 1.13) of a torchvision model,
or of a reference CIFAR model / FractalNet column from reference.py. Writes model.onnx (input
"input", output "logits", dynamic batch axis, opset 13, eval mode, no metadata) and, with --pth, the
same weights as a state dict so that our libtorch path can load them; with --input-shape, an input
batch and PyTorch's own logits for it.

  torch_onnx_export.py --model resnet18 --out DIR [--pth] [--input-shape 2x3x224x224] [--seed 0]
      [--embedding] [--column i] [--stamp-opset N]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
import reference  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--model", required=True)
p.add_argument("--out", required=True)
p.add_argument("--num-classes", type=int, default=None,
               help="default: 1000 for torchvision models, 10 for CIFAR ones")
p.add_argument("--column", type=int, help="FractalNet: export only column i (1 = shallowest)")
p.add_argument("--size", type=int, help="input size (default 224, 32 for CIFAR models)")
p.add_argument("--in-channels", type=int, default=3, help="input channels (models with conv1)")
p.add_argument("--pth", action="store_true", help="also save the weights as weights.pth")
p.add_argument("--input-shape", help="also save input.npy of this shape and torch's logits.npy")
p.add_argument("--embedding", action="store_true",
               help="a second output 'embedding': the pooled features the classifier head reads")
p.add_argument("--opset", type=int, default=13)
p.add_argument("--stamp-opset", type=int,
               help="then rewrite the file's ai.onnx opset number (an unsupported-opset fixture)")
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()

torch.manual_seed(a.seed)
cifar = a.model.endswith("_cifar") or a.model.startswith("fractalnet") or (
    a.model.startswith("densenet") and "_k" in a.model)
classes = a.num_classes or (10 if cifar else 1000)
size = a.size or (32 if cifar else 224)
if cifar:
    model = reference.build(a.model, classes)
    reference.randomise_batchnorm(model)
else:
    model = getattr(torchvision.models, a.model)(num_classes=classes)
if a.in_channels != 3:
    old = model.conv1
    model.conv1 = torch.nn.Conv2d(a.in_channels, old.out_channels, old.kernel_size, old.stride,
                                  old.padding, bias=old.bias is not None)
model.eval()


class Column(torch.nn.Module):
    def __init__(self, net, column):
        super().__init__()
        self.net, self.column = net, column

    def forward(self, x):
        return self.net(x, column=self.column)


class WithEmbedding(torch.nn.Module):
    """(logits, embedding): the network with its head cut off, then the head."""

    def __init__(self, net):
        super().__init__()
        inner = net.net if isinstance(net, Column) else net
        name = "fc" if hasattr(inner, "fc") else "classifier"
        self.head = getattr(inner, name)
        setattr(inner, name, torch.nn.Identity())
        self.net = net

    def forward(self, x):
        e = self.net(x)
        return self.head(e), e


graph = Column(model, a.column - 1) if a.column else model
os.makedirs(a.out, exist_ok=True)
if a.pth:
    torch.save(model.state_dict(), os.path.join(a.out, "weights.pth"))
if a.embedding:
    graph = WithEmbedding(graph)
graph.eval()
x = torch.randn(1, a.in_channels, size, size)
torch.onnx.export(graph, x, os.path.join(a.out, "model.onnx"), opset_version=a.opset,
                  input_names=["input"], output_names=["logits"] + (["embedding"] if a.embedding else []),
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"},
                                **({"embedding": {0: "batch"}} if a.embedding else {})})
if a.input_shape:
    x = torch.randn(tuple(int(d) for d in a.input_shape.split("x")))
    np.save(os.path.join(a.out, "input.npy"), x.numpy())
    with torch.no_grad():
        y = graph(x)
    if a.embedding:
        np.save(os.path.join(a.out, "logits.npy"), y[0].numpy())
        np.save(os.path.join(a.out, "embedding.npy"), y[1].numpy())
    else:
        np.save(os.path.join(a.out, "logits.npy"), y.numpy())
if a.stamp_opset:
    import onnx

    m = onnx.load(os.path.join(a.out, "model.onnx"))
    for o in m.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = a.stamp_opset
    onnx.save(m, os.path.join(a.out, "model.onnx"))
