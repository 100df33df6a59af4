#!/usr/bin/python3
"""PyTorch side of `densefractal bench`: the same steps on random data. train = forward,
cross-entropy, backward, SGD update (lr 0.01, momentum 0.9, Nesterov, weight decay 1e-4: the
DenseNet recipe's optimizer, as `densefractal bench` runs `train`'s step); infer = eval forward under no_grad.
Prints one JSON object with the fields of `densefractal bench --json`."""
import argparse
import json
import os
import re
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src", "test", "python"))
import reference  # noqa: E402  (the paper's CIFAR models, with torchvision-style memory_efficient)

p = argparse.ArgumentParser()
p.add_argument("--model", required=True)
p.add_argument("--mode", default="train", choices=["train", "infer"])
p.add_argument("--batch", type=int, default=8)
p.add_argument("--size", type=int, required=True)
p.add_argument("--num-classes", type=int, default=10)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--warmup", type=int, default=2)
p.add_argument("--iters", type=int, default=5)
p.add_argument("--memory-efficient", action="store_true")
p.add_argument("--column", type=int, help="FractalNet: run only column i (1 = shallowest)")
p.add_argument("--channels-last", action="store_true",
               help="model and input in torch.channels_last memory format")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
m = re.fullmatch(r"densenet(_bc)?(\d+)_k(\d+)", a.model)
if m:
    model = reference.CifarDenseNet(int(m.group(2)), int(m.group(3)), m.group(1) is not None,
                                    a.num_classes, memory_efficient=a.memory_efficient)
elif a.model.startswith("densenet"):
    model = getattr(torchvision.models, a.model)(num_classes=a.num_classes,
                                                 memory_efficient=a.memory_efficient)
else:
    model = reference.build(a.model, a.num_classes)
if a.column is not None:
    full, column = model, a.column - 1
    forward = lambda inp: full(inp, column=column)  # noqa: E731
else:
    forward = model
x = torch.randn(a.batch, 3, a.size, a.size)
if a.channels_last:
    model = model.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
target = torch.arange(a.batch) % a.num_classes
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)
times = []
for i in range(a.warmup + a.iters):
    t0 = time.perf_counter()
    if a.mode == "infer":
        model.eval()
        with torch.no_grad():
            forward(x)
    else:
        model.train()
        opt.zero_grad()
        F.cross_entropy(forward(x), target).backward()
        opt.step()
    if i >= a.warmup:
        times.append((time.perf_counter() - t0) * 1000)
median = statistics.median(times)
print(json.dumps({
    "model": a.model, "mode": a.mode, "batch": a.batch, "size": a.size, "threads": a.threads,
    "memory_efficient": a.memory_efficient, "channels_last": a.channels_last, "median_ms": median, "min_ms": min(times),
    "max_ms": max(times), "images_per_s": a.batch * 1000 / median,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
