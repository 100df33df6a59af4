#!/usr/bin/python3
"""PyTorch side of the training benchmark: trains a zoo model on Fashion-MNIST with the recipe
densefractal's trainer uses, and reports test accuracy and seconds per epoch.

The models come from src/test/python/reference.py (the parity tests' references), adapted as the
Java trainer builds them for Fashion-MNIST: one input channel, 10 classes, the Java zoo's
initialisation (kaiming-normal convolutions: fan_out for ResNet and FractalNet, fan_in and a zero
classifier bias for DenseNet), and for FractalNet the training-time dropout (0, .1, .2, .3, .4 per
block, after each 3x3 conv) and drop-path (per mini-batch: global, one random column, half of the
time; else local, each join input dropped with p = 0.15, at least one kept) that the reference,
written for eval-mode parity, leaves out.

Data as the Java side prepares it: Fashion-MNIST IDX files, /255, zero padding before normalising
(mean 0.2860, std 0.3530); train: random crop with 2 px zero padding + horizontal flip p = 0.5;
test: normalise only. FractalNet halves the resolution five times, so its images are zero-padded
(centred) to 32x32 first, as RunData.imageSize does. The learning rate is divided by 10 at each
milestone step (floor(f * epochs * steps per epoch), kept increasing and >= 1:
Recipe.milestoneSteps), so a one-epoch run anneals within its epoch as the Java trainer's does. The
epoch time covers the training pass only (batch preparation, forward, backward, step), not the test
pass, as the Java trainer's.

With --checkpoint FILE the run writes its whole state (weights, optimizer, global RNG, timings)
to FILE after each epoch (temp file + rename) and, when FILE exists, continues from it: a run cut
short by a reboot resumes where it stopped, as `densefractal train --resume` does on the Java side.

Prints one line per epoch, then one JSON line:
{"model", "recipe", "epochs", "threads", "test_accuracy" (fraction of the test set, last epoch),
 "epoch_seconds": [...], "train_images_per_s" (all epochs), ...}.
"""
import argparse
import gzip
import json
import os
import re
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test",
                                "python"))
import reference  # noqa: E402

MEAN, STD = 0.2860, 0.3530
PADDING = 2
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"

# Recipe.named: epochs, batch, lr, momentum, nesterov, weight decay, milestone fractions.
RECIPES = {
    "densenet": dict(epochs=300, batch_size=64, lr=0.1, momentum=0.9, nesterov=True, wd=1e-4,
                     milestones=(0.5, 0.75)),
    "resnet-cifar": dict(epochs=164, batch_size=128, lr=0.1, momentum=0.9, nesterov=False,
                         wd=1e-4, milestones=(0.5, 0.75)),
    "fractalnet": dict(epochs=400, batch_size=100, lr=0.02, momentum=0.9, nesterov=False, wd=0.0,
                       milestones=(0.5, 0.75, 0.875, 0.9375)),
}

# FractalNetConfig.paper: dropout per block, local drop-path rate, share of global mini-batches.
FRACTAL_DROP_RATES = (0.0, 0.1, 0.2, 0.3, 0.4)
FRACTAL_LOCAL_DROP = 0.15
FRACTAL_GLOBAL_FRACTION = 0.5
FRACTAL_INPUT_SIZE = 32


def family(model):
    if model.startswith("fractalnet"):
        return "fractalnet"
    if model.startswith("densenet"):
        return "densenet"
    return "resnet"


def default_recipe(model):
    """Recipe.defaultFor for the CIFAR-sized zoo models."""
    return {"fractalnet": "fractalnet", "densenet": "densenet"}.get(family(model), "resnet-cifar")


# --- data --------------------------------------------------------------------------------------

def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:
        raise SystemExit("%s: not an unsigned-byte IDX file (magic %#x)" % (path, magic))
    dims = magic & 0xFF
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if array.size != int(np.prod(shape)):
        raise SystemExit("%s: %d values, header says %s" % (path, array.size, shape))
    return array.reshape(shape)


def load_split(data_dir, prefix):
    images = read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte.gz"))
    return torch.from_numpy(images.copy()).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def stratified(labels, n, seed):
    """Subsets.stratified: at most n indices, equal shares per class (round robin over classes,
    each class shuffled with one seeded generator), in the original order."""
    if n <= 0 or n >= len(labels):
        return None
    rng = np.random.default_rng(seed)
    by_class = [rng.permutation(np.flatnonzero(labels.numpy() == c))
                for c in range(int(labels.max()) + 1)]
    picked, taken = [], [0] * len(by_class)
    while len(picked) < n:
        for c, members in enumerate(by_class):
            if len(picked) < n and taken[c] < len(members):
                picked.append(members[taken[c]])
                taken[c] += 1
    return torch.from_numpy(np.sort(np.array(picked, dtype=np.int64)))


def prepare(images, size, pad, generator=None):
    """TransformSpec's fixed-size pipeline on uint8 [B, C, H, W]: output pixel (y, x) reads source
    (y + top, x + left), zero outside; top = (H - size) / 2 (+ a random -pad..pad when training),
    flip p = 0.5 when training; then /255 and normalise."""
    b, c, h, w = images.shape
    x = images.float().div_(255)
    centre_y, centre_x = int((h - size) / 2), int((w - size) / 2)  # Java's truncating division
    top = torch.full((b,), centre_y, dtype=torch.long)
    left = torch.full((b,), centre_x, dtype=torch.long)
    cols = torch.arange(size).expand(b, size)
    if generator is not None:
        top = top + torch.randint(-pad, pad + 1, (b,), generator=generator)
        left = left + torch.randint(-pad, pad + 1, (b,), generator=generator)
        flip = torch.rand(b, generator=generator) < 0.5
        cols = torch.where(flip[:, None], size - 1 - cols, cols)
    margin = pad + max(0, size - h, size - w)
    x = F.pad(x, (margin, margin, margin, margin))
    rows = top[:, None] + torch.arange(size) + margin            # [B, size]
    cols = left[:, None] + cols + margin                          # [B, size]
    out = x.permute(0, 2, 3, 1)[torch.arange(b)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2).sub_(MEAN).div_(STD).contiguous()


# --- models ------------------------------------------------------------------------------------

class DropUnit(nn.Module):
    """reference.FractalUnit (conv -> BN -> ReLU, same keys) with dropout after the conv."""

    def __init__(self, unit, rate):
        super().__init__()
        self.conv, self.bn, self.rate = unit.conv, unit.bn, rate

    def forward(self, x):
        x = self.conv(x)
        if self.rate > 0:
            x = F.dropout(x, self.rate, self.training)
        return F.relu(self.bn(x))


def local_drop_join(outs):
    """Mean of the inputs kept, one mask for the mini-batch; at least one input kept."""
    if len(outs) == 1:
        return outs[0]
    u = torch.rand(len(outs) + 1).tolist()
    keep = [v >= FRACTAL_LOCAL_DROP for v in u[:-1]]
    if not any(keep):
        keep[min(len(outs) - 1, int(u[-1] * len(outs)))] = True
    return reference.mean_join([o for o, k in zip(outs, keep) if k])


class TrainableFractalNet(reference.FractalNetRef):
    """reference.FractalNetRef with FractalNet's training regularisation: dropout in the 3x3 units
    and drop-path per mini-batch (global: one random column through every block; else local)."""

    def __init__(self, columns, num_classes):
        super().__init__(columns, num_classes)
        for block, rate in zip(self.blocks, FRACTAL_DROP_RATES):
            for column in block.columns:
                for i, unit in enumerate(column.convs):
                    column.convs[i] = DropUnit(unit, rate)

    def forward(self, x, column=None):
        if self.training and column is None:
            u = torch.rand(2).tolist()
            columns = len(self.blocks[0].columns)
            if u[0] < FRACTAL_GLOBAL_FRACTION:
                column = min(columns - 1, int(u[1] * columns))
        if column is not None:
            return super().forward(x, column=column)
        join = local_drop_join if self.training else reference.mean_join
        for b in self.blocks:
            x = reference.fractal_block_forward(b, x, join)
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def replace_first_conv(model, in_channels):
    """The reference models take RGB: give the stem convolution another input channel count."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            if module.in_channels == in_channels:
                return
            parent = model.get_submodule(name.rpartition(".")[0]) if "." in name else model
            conv = nn.Conv2d(in_channels, module.out_channels, module.kernel_size, module.stride,
                             module.padding, module.dilation, module.groups,
                             module.bias is not None)
            setattr(parent, name.rpartition(".")[2], conv)
            return
    raise SystemExit("no convolution in the model")


def java_init(model, fam):
    """The Java zoo's initialisation (models/Layers.java): convs kaiming-normal with fan_out
    (ResNet, FractalNet) or fan_in (DenseNet), ReLU gain; BN gamma 1, beta 0; linear layers as
    torch.nn.Linear (uniform +-1/sqrt(in)), DenseNet's classifier bias 0."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_in" if fam == "densenet" else "fan_out",
                                    nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            m.reset_parameters()
            if fam == "densenet":
                nn.init.zeros_(m.bias)


def build(model, in_channels, num_classes):
    m = re.fullmatch(r"fractalnet(\d+)", model)
    if m:
        columns = {"fractalnet20": 3, "fractalnet40": 4}.get(model)
        if columns is None:
            raise SystemExit("unknown FractalNet %s (fractalnet20, fractalnet40)" % model)
        net = TrainableFractalNet(columns, num_classes)
    elif model.endswith("_cifar") or re.fullmatch(r"densenet(_bc)?\d+_k\d+", model):
        net = reference.build(model, num_classes)
    else:
        raise SystemExit("%s: only the CIFAR-sized zoo models (resnetN_cifar, densenet[_bc]N_kK,"
                         " fractalnet20/40) train on 28x28 images" % model)
    replace_first_conv(net, in_channels)
    java_init(net, family(model))
    return net


# --- training ----------------------------------------------------------------------------------

def learning_rate(base, milestones, epochs, steps_per_epoch, step):
    """Recipe.learningRate for MULTISTEP: /10 for each milestone step <= step (0-based over the
    run), where the milestones are floor(f * epochs * steps_per_epoch) kept strictly increasing and
    >= 1 (Recipe.milestoneSteps)."""
    at, previous = [], 0
    for f in milestones:
        previous = max(previous + 1, int(f * epochs * steps_per_epoch))
        at.append(previous)
    return base * 0.1 ** sum(1 for m in at if step >= m)


def evaluate(model, images, labels, batch=500):
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(labels), batch):
            logits = model(images[i:i + batch])
            y = labels[i:i + batch]
            loss += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
    return correct / len(labels), loss / len(labels)


def save_atomically(state, path):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="zoo name: resnet20_cifar, densenet_bc100_k12,"
                                                    " fractalnet20, ...")
    p.add_argument("--recipe", choices=sorted(RECIPES), help="default: the model's (as Java)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--wd", type=float)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit-train", type=int, default=0, help="stratified subset (0 = all)")
    p.add_argument("--limit-test", type=int, default=0, help="stratified subset (0 = all)")
    p.add_argument("--data-dir", default=DEFAULT_DATA)
    p.add_argument("--checkpoint", help="state file written after each epoch; resumed if present")
    a = p.parse_args()

    recipe_name = a.recipe or default_recipe(a.model)
    r = dict(RECIPES[recipe_name])
    for key, value in (("epochs", a.epochs), ("lr", a.lr), ("batch_size", a.batch_size),
                       ("wd", a.wd)):
        if value is not None:
            r[key] = value
    if r["epochs"] < 1 or r["batch_size"] < 2 or r["lr"] <= 0 or r["wd"] < 0:
        raise SystemExit("need epochs >= 1, batch size >= 2, lr > 0, wd >= 0")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    train_x, train_y = load_split(a.data_dir, "train")
    test_x, test_y = load_split(a.data_dir, "t10k")
    subset = stratified(train_y, a.limit_train, a.seed)
    if subset is not None:
        train_x, train_y = train_x[subset], train_y[subset]
    subset = stratified(test_y, a.limit_test, a.seed)
    if subset is not None:
        test_x, test_y = test_x[subset], test_y[subset]
    size = FRACTAL_INPUT_SIZE if family(a.model) == "fractalnet" else train_x.shape[-1]
    classes = int(train_y.max()) + 1
    test_in = prepare(test_x, size, 0)

    model = build(a.model, train_x.shape[1], classes)
    opt = torch.optim.SGD(model.parameters(), lr=r["lr"], momentum=r["momentum"],
                          nesterov=r["nesterov"], weight_decay=r["wd"])
    print("training %s on fashion-mnist: %d train / %d test images, %dx%d; recipe %s, %d epochs,"
          " batch %d, lr %g, wd %g; torch %s, %d threads"
          % (a.model, len(train_y), len(test_y), size, size, recipe_name, r["epochs"],
             r["batch_size"], r["lr"], r["wd"], torch.__version__, a.threads), flush=True)

    epoch_seconds, images_seen, accuracy, first_epoch = [], 0, 0.0, 0
    if a.checkpoint and os.path.exists(a.checkpoint):
        state = torch.load(a.checkpoint)
        if (state["model"], state["epochs"], state["seed"]) != (a.model, r["epochs"], a.seed):
            raise SystemExit("%s holds %s (%d epochs, seed %d), not this run: delete it or pass"
                             " another --checkpoint"
                             % (a.checkpoint, state["model"], state["epochs"], state["seed"]))
        model.load_state_dict(state["weights"])
        opt.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        epoch_seconds, images_seen, accuracy = (state["epoch_seconds"], state["images_seen"],
                                                state["accuracy"])
        first_epoch = len(epoch_seconds)
        print("resumed from %s after epoch %d" % (a.checkpoint, first_epoch), flush=True)
    for epoch in range(first_epoch, r["epochs"]):
        gen = torch.Generator().manual_seed(a.seed * 1_000_003 + epoch)
        order = torch.randperm(len(train_y), generator=gen)
        if len(order) % r["batch_size"] == 1:
            order = order[:-1]  # BatchNorm cannot train on a lone last image (as Java)
        model.train()
        t0 = time.perf_counter()
        loss_sum, correct = 0.0, 0
        steps_per_epoch = (len(order) + r["batch_size"] - 1) // r["batch_size"]
        for step, idx in enumerate(order.split(r["batch_size"])):
            lr = learning_rate(r["lr"], r["milestones"], r["epochs"], steps_per_epoch,
                               epoch * steps_per_epoch + step)
            for group in opt.param_groups:
                group["lr"] = lr
            x = prepare(train_x[idx], size, PADDING, gen)
            y = train_y[idx]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
        seconds = time.perf_counter() - t0
        if not np.isfinite(loss_sum):
            raise SystemExit("training diverged in epoch %d (loss %s)" % (epoch + 1, loss_sum))
        epoch_seconds.append(seconds)
        images_seen += len(order)
        t1 = time.perf_counter()
        accuracy, test_loss = evaluate(model, test_in, test_y)
        print("epoch %d/%d  lr %.4g  train loss %.4f acc %.2f %%  test loss %.4f acc %.2f %%"
              "  %.1f s  %.0f img/s  (test pass %.1f s)"
              % (epoch + 1, r["epochs"], lr, loss_sum / len(order), 100 * correct / len(order),
                 test_loss, 100 * accuracy, seconds, len(order) / seconds,
                 time.perf_counter() - t1), flush=True)
        if a.checkpoint:
            save_atomically({"model": a.model, "epochs": r["epochs"], "seed": a.seed,
                             "weights": model.state_dict(), "optimizer": opt.state_dict(),
                             "rng": torch.get_rng_state(), "epoch_seconds": epoch_seconds,
                             "images_seen": images_seen, "accuracy": accuracy}, a.checkpoint)

    print(json.dumps({
        "model": a.model, "recipe": recipe_name, "epochs": r["epochs"], "threads": a.threads,
        "test_accuracy": accuracy, "epoch_seconds": [round(s, 3) for s in epoch_seconds],
        "train_images_per_s": images_seen / sum(epoch_seconds),
        "batch_size": r["batch_size"], "lr": r["lr"], "wd": r["wd"], "seed": a.seed,
        "train_images": len(train_y), "test_images": len(test_y), "image_size": size,
        "torch": torch.__version__}))


if __name__ == "__main__":
    main()
