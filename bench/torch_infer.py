#!/usr/bin/python3
"""PyTorch side of bench/infer_rss.sh: the same job as `densefractal infer` (load a state dict,
eval-mode forward of an .npy batch, save logits), so peak RSS and time compare like for like."""
import argparse
import time

import numpy as np
import torch
import torchvision

p = argparse.ArgumentParser()
p.add_argument("--model", required=True)
p.add_argument("--weights", required=True)
p.add_argument("--input", required=True)
p.add_argument("--output", required=True)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
t0 = time.time()
model = getattr(torchvision.models, a.model)()
model.load_state_dict(torch.load(a.weights, weights_only=True), strict=True)
model.eval()
x = torch.from_numpy(np.load(a.input))
with torch.no_grad():
    y = model(x)
np.save(a.output, y.numpy())
print("torch %s: logits %s in %.2f s" % (a.model, tuple(y.shape), time.time() - t0))
