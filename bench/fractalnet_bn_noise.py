"""How much of an early FractalNet's test accuracy is its BatchNorm running statistics.

FractalNet trains with drop-path: a mini-batch runs one random column (global) or a random subset
of each join's inputs (local), so the BatchNorm layers after a join see single columns or partial
means, while evaluation joins the mean of all columns. The running statistics are a moving
average (momentum 0.1: about the last 10 mini-batches) of whatever the last draws were. Early in
training, when the columns still disagree, that mismatch moves eval-mode accuracy by far more than
the weights do. This script measures it on trained weights, with PyTorch and the reference model
of bench/torch_train.py (the same structure and keys as ours):

  as trained   the weights and running statistics as saved;
  redraw s     K more training-mode forward passes (drop-path and dropout drawn with seed s, no
               weight update: what the last K steps at a learning rate of ~0 do to the statistics);
  recalibrated the running statistics re-estimated as a cumulative average over N mini-batches
               of the network that evaluation runs (all columns joined by their mean, no dropout).

  bench/fractalnet_bn_noise.py NAME=WEIGHTS [NAME=WEIGHTS ...] [--redraws 2] [--steps 30]
      [--calibration-batches 50] [--threads 2]

WEIGHTS: a .pth state dict (ours: `densefractal export -m fractalnet20 --in-channels 1
--num-classes 10 ...`) or a bench/torch_train.py --checkpoint file. Prints one line per model and
variant, then one JSON line.
"""
import argparse
import copy
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_train as tt  # noqa: E402


def load(path):
    state = torch.load(path, map_location="cpu")
    if isinstance(state, dict) and "weights" in state:
        state = state["weights"]  # a torch_train.py checkpoint
    model = tt.build("fractalnet20", 1, 10)
    model.load_state_dict(state, strict=True)
    return model


def batches(images, labels, batch, count, seed):
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(labels), generator=gen)[: batch * count]
    for idx in order.split(batch):
        yield tt.prepare(images[idx], tt.FRACTAL_INPUT_SIZE, tt.PADDING, gen)


def redraw(model, train_x, train_y, steps, seed):
    """K training-mode forwards with fresh drop-path/dropout draws, no weight update."""
    m = copy.deepcopy(model)
    m.train()
    torch.manual_seed(seed)
    with torch.no_grad():
        for x in batches(train_x, train_y, 100, steps, seed):
            m(x)
    return m


def recalibrate(model, train_x, train_y, count, seed):
    """Running statistics of the evaluated network: mean joins, no dropout, cumulative average."""
    m = copy.deepcopy(model)
    m.eval()
    for module in m.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # cumulative moving average
            module.train()
    with torch.no_grad():
        for x in batches(train_x, train_y, 100, count, seed):
            m(x)
    m.eval()
    return m


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("weights", nargs="+", help="NAME=FILE")
    p.add_argument("--redraws", type=int, default=2)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--calibration-batches", type=int, default=50)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data-dir", default=tt.DEFAULT_DATA)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    train_x, train_y = tt.load_split(a.data_dir, "train")
    test_x, test_y = tt.load_split(a.data_dir, "t10k")
    test_in = tt.prepare(test_x, tt.FRACTAL_INPUT_SIZE, 0)
    results = {}
    for spec in a.weights:
        name, _, path = spec.partition("=")
        model = load(path)
        variants = [("as trained", model)]
        variants += [("redraw %d" % s, redraw(model, train_x, train_y, a.steps, s))
                     for s in range(1, a.redraws + 1)]
        variants.append(("recalibrated", recalibrate(model, train_x, train_y,
                                                     a.calibration_batches, 0)))
        results[name] = {}
        for label, m in variants:
            accuracy, loss = tt.evaluate(m, test_in, test_y)
            results[name][label] = {"test_accuracy": accuracy, "test_loss": loss}
            print("%-10s %-13s test acc %.2f %%  test loss %.4f"
                  % (name, label, 100 * accuracy, loss), flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
