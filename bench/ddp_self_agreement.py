#!/usr/bin/python3
"""How well PyTorch's DistributedDataParallel agrees with itself on this host: the spark train
peer test's reference (src/test/python/ddp_reference.py, 2 gloo processes) run on the same initial
weights and the same shards with 1 and with 2 intra-op threads per process, and (when the host caps
oneDNN) with and without ONEDNN_MAX_CPU_ISA=SSE41. Prints, after 1, 3 and 5 SGD steps (lr 0.01,
momentum 0.9, weight decay 5e-4, global batch 32 = 2 x 16, as the peer test), the peer test's
measure: per tensor max |a - b| / max |b|, worst tensor. Inputs: random 3x32x32 images and labels
(seed 0); every run reads the same files.

usage: bench/ddp_self_agreement.py [MODELS...]   (default resnet20_cifar densenet_bc22_k12)
"""
import os
import socket
import subprocess
import sys
import tempfile

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
refdir = os.path.join(here, "..", "src", "test", "python")
sys.path.insert(0, refdir)
import reference  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(model, d, steps, threads, env):
    out = os.path.join(d, "out-%d-%d-%s.pth" % (steps, threads, env.get("ONEDNN_MAX_CPU_ISA", "ALL")))
    subprocess.run([sys.executable, os.path.join(refdir, "ddp_reference.py"), "--model", model,
                    "--dir", d, "--out", out, "--steps", str(steps), "--lr", "0.01",
                    "--momentum", "0.9", "--wd", "5e-4", "--threads", str(threads),
                    "--port", str(free_port())], check=True, env=env)
    return torch.load(out)


def worst(a, b):
    name, rel = "", 0.0
    for k in b:
        diff = (a[k].float() - b[k].float()).abs().max().item()
        scale = b[k].float().abs().max().item()
        r = diff / scale if scale > 0 else diff
        if r > rel:
            name, rel = k, r
    return rel, name


def main():
    models = sys.argv[1:] or ["resnet20_cifar", "densenet_bc22_k12"]
    capped = dict(os.environ)
    uncapped = {k: v for k, v in os.environ.items() if k != "ONEDNN_MAX_CPU_ISA"}
    for model in models:
        with tempfile.TemporaryDirectory() as d:
            torch.manual_seed(0)
            net = reference.build(model, 10)
            torch.save(net.state_dict(), os.path.join(d, "weights.pth"))
            rng = np.random.default_rng(0)
            for s in range(5):
                for r in range(2):
                    np.save(os.path.join(d, "x_%d_%d.npy" % (s, r)),
                            rng.standard_normal((16, 3, 32, 32), dtype=np.float32))
                    np.save(os.path.join(d, "y_%d_%d.npy" % (s, r)), rng.integers(0, 10, 16))
            for steps in (1, 3, 5):
                one = run(model, d, steps, 1, capped)
                two = run(model, d, steps, 2, capped)
                rel, name = worst(two, one)
                line = "%s %d step(s): 2 vs 1 threads %.1e (%s)" % (model, steps, rel, name)
                if "ONEDNN_MAX_CPU_ISA" in os.environ:
                    rel, name = worst(run(model, d, steps, 1, uncapped), one)
                    line += "; default ISA vs %s %.1e (%s)" % (os.environ["ONEDNN_MAX_CPU_ISA"], rel, name)
                print(line, flush=True)


if __name__ == "__main__":
    main()
