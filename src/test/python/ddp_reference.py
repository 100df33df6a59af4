#!/usr/bin/python3
"""PyTorch DistributedDataParallel reference for `spark train`'s peer test (Debian torch 1.13).

Two processes (gloo on 127.0.0.1, one thread each unless --threads) wrap the same network in DDP with its defaults
(broadcast_buffers=True: every forward starts from rank 0's BatchNorm buffers), start from the
weights densefractal wrote (weights.pth), and take --steps SGD steps (momentum, weight decay), rank r
on the batches x_<step>_<r>.npy / y_<step>_<r>.npy that densefractal's workers used. Rank 0 writes
its final state dict (parameters and BatchNorm buffers) to --out.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402  (the reference models: CIFAR ResNets, DenseNets)


def load_weights(model, sd):
    """The state dict into the model, first conv's input channels taken from the file."""
    params = dict(model.named_parameters())
    for name, tensor in sd.items():
        if name in params and params[name].shape != tensor.shape:
            params[name].data = tensor.clone()
    model.load_state_dict(sd, strict=True)


def worker(rank, args):
    torch.set_num_threads(args.threads)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(args.port)
    dist.init_process_group("gloo", rank=rank, world_size=args.workers)
    try:
        model = reference.build(args.model, args.num_classes)
        load_weights(model, torch.load(os.path.join(args.dir, "weights.pth")))
        model.train()
        ddp = torch.nn.parallel.DistributedDataParallel(model, broadcast_buffers=True)
        opt = torch.optim.SGD(ddp.parameters(), lr=args.lr, momentum=args.momentum,
                              weight_decay=args.wd, nesterov=args.nesterov)
        for step in range(args.steps):
            x = torch.from_numpy(np.load(os.path.join(args.dir, "x_%d_%d.npy" % (step, rank))))
            y = torch.from_numpy(np.load(os.path.join(args.dir, "y_%d_%d.npy" % (step, rank))))
            loss = F.cross_entropy(ddp(x), y.long())
            opt.zero_grad()
            loss.backward()
            opt.step()
        if rank == 0:
            sd = {k: v for k, v in model.state_dict().items() if "num_batches_tracked" not in k}
            torch.save(sd, args.out)
    finally:
        dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--num-classes", type=int, default=10)
    p.add_argument("--dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--wd", type=float, default=0.0)
    p.add_argument("--nesterov", action="store_true")
    p.add_argument("--port", type=int, default=29517)
    p.add_argument("--threads", type=int, default=1, help="intra-op threads per process")
    args = p.parse_args()
    mp.spawn(worker, args=(args,), nprocs=args.workers, join=True)


if __name__ == "__main__":
    main()
