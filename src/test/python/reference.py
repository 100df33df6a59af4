#!/usr/bin/python3
"""Reference side of densefractal's parity tests, run with Debian's torch 1.13 / torchvision 0.14.

make:          builds a model with a fixed seed, randomises BatchNorm (so it is not the identity),
               saves its state dict in both torch formats, inputs and expected outputs (.npy).
check-export:  loads a state dict written by densefractal into the reference model with
               strict=True and weights_only=True, and writes its eval logits for an input.
"""
import argparse
import json
import os
import re
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint
import torchvision


# --- reference models torchvision lacks -------------------------------------------------------

class CifarBasicBlock(nn.Module):
    """He et al. 2016 CIFAR block with option-A (zero-padding) shortcuts."""

    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.stride = stride
        self.extra = planes - in_planes

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x
        if self.stride != 1 or self.extra:
            shortcut = x[:, :, ::self.stride, ::self.stride]
            before = self.extra // 2
            shortcut = F.pad(shortcut, (0, 0, 0, 0, before, self.extra - before))
        return F.relu(out + shortcut)


class CifarResNet(nn.Module):
    def __init__(self, depth, num_classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        in_planes = 16
        for i, planes in enumerate((16, 32, 64)):
            blocks = []
            for b in range(n):
                blocks.append(CifarBasicBlock(in_planes, planes, 2 if (i > 0 and b == 0) else 1))
                in_planes = planes
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class CifarDenseLayer(nn.Module):
    """Huang et al. 2017: BN-ReLU-3x3 conv (k), or with a bottleneck BN-ReLU-1x1 (4k)-BN-ReLU-3x3."""

    def __init__(self, in_channels, k, bottleneck, memory_efficient=False):
        super().__init__()
        self.memory_efficient = memory_efficient
        self.norm1 = nn.BatchNorm2d(in_channels)
        if bottleneck:
            self.conv1 = nn.Conv2d(in_channels, 4 * k, 1, bias=False)
            self.norm2 = nn.BatchNorm2d(4 * k)
            self.conv2 = nn.Conv2d(4 * k, k, 3, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, k, 3, padding=1, bias=False)
        self.bottleneck = bottleneck

    def first_unit(self, *features):
        return self.conv1(F.relu(self.norm1(torch.cat(features, 1))))

    def forward(self, features):
        if self.memory_efficient and any(f.requires_grad for f in features):
            # torchvision's memory_efficient: checkpoint concat + BN + ReLU + first conv.
            out = torch.utils.checkpoint.checkpoint(self.first_unit, *features)
        else:
            out = self.first_unit(*features)
        if self.bottleneck:
            out = self.conv2(F.relu(self.norm2(out)))
        return out


class CifarDenseBlock(nn.ModuleDict):
    def __init__(self, layers, in_channels, k, bottleneck, memory_efficient=False):
        super().__init__()
        for i in range(layers):
            self["denselayer%d" % (i + 1)] = CifarDenseLayer(
                in_channels + i * k, k, bottleneck, memory_efficient)

    def forward(self, x):
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class CifarDenseNet(nn.Module):
    """The paper's Table 2 networks: 3x3 stem, 3 dense blocks, transitions with compression."""

    def __init__(self, depth, k, bc, num_classes=10, memory_efficient=False):
        super().__init__()
        n = (depth - 4) // (6 if bc else 3)
        channels = 2 * k if bc else 16
        self.features = nn.Sequential()
        self.features.add_module("conv0", nn.Conv2d(3, channels, 3, padding=1, bias=False))
        for i in range(3):
            self.features.add_module("denseblock%d" % (i + 1), CifarDenseBlock(n, channels, k, bc, memory_efficient))
            channels += n * k
            if i < 2:
                out = channels // 2 if bc else channels
                self.features.add_module("transition%d" % (i + 1), nn.Sequential(OrderedDict([
                    ("norm", nn.BatchNorm2d(channels)), ("relu", nn.ReLU()),
                    ("conv", nn.Conv2d(channels, out, 1, bias=False)), ("pool", nn.AvgPool2d(2, 2))])))
                channels = out
        self.features.add_module("norm5", nn.BatchNorm2d(channels))
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = F.relu(self.features(x))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class FractalUnit(nn.Module):
    """conv -> (dropout) -> BN -> ReLU, as the authors' code (dropout off here: eval only)."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class FractalColumn(nn.Module):
    def __init__(self, units):
        super().__init__()
        self.convs = nn.ModuleList(units)


def mean_join(outs):
    """FractalNet's join: the element-wise mean of the paths that end here."""
    return torch.stack(outs).mean(0)


def fractal_block_forward(block, x, join):
    """A FractalBlockRef's forward with a pluggable join (the training benchmark passes drop-path
    joins): columns unrolled by time step, pool before the last join."""
    z = block.doubling(x)
    count = len(block.columns)
    depth = 2 ** (count - 1)
    nxt = [z] * count
    for t in range(1, depth + 1):
        outs, ending = [], []
        for c in range(count - 1, -1, -1):
            span = 2 ** (count - 1 - c)
            if t % span == 0:
                ending.append(c)
                outs.append(block.columns[c].convs[t // span - 1](nxt[c]))
        if t == depth:
            return join([F.max_pool2d(o, 2) for o in outs])
        joined = join(outs)
        for c in ending:
            nxt[c] = joined


class FractalBlockRef(nn.Module):
    """Columns c = 0 (shallowest, 1 unit) .. C-1 (2^(C-1) units); joins = mean; pool, then the
    last join (the authors' released code); a 1x1 'doubling' unit in front (38.9 M variant)."""

    def __init__(self, cin, width, columns):
        super().__init__()
        self.doubling = FractalUnit(cin, width, 1)
        self.columns = nn.ModuleList(
            FractalColumn([FractalUnit(width, width, 3) for _ in range(2 ** c)]) for c in range(columns))

    def forward(self, x):
        return fractal_block_forward(self, x, mean_join)

    def column(self, x, c):
        z = self.doubling(x)
        for unit in self.columns[c].convs:
            z = unit(z)
        return F.max_pool2d(z, 2)


class FractalNetRef(nn.Module):
    def __init__(self, columns, num_classes=10, widths=(64, 128, 256, 512, 512)):
        super().__init__()
        cins = (3,) + tuple(widths[:-1])
        self.blocks = nn.ModuleList(FractalBlockRef(i, w, columns) for i, w in zip(cins, widths))
        self.classifier = nn.Linear(widths[-1], num_classes)

    def forward(self, x, column=None):
        for b in self.blocks:
            x = b(x) if column is None else b.column(x, column)
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def build(name, num_classes):
    if name.startswith("fractalnet"):
        return FractalNetRef({"fractalnet20": 3, "fractalnet40": 4}[name], num_classes)
    if name.endswith("_cifar"):
        return CifarResNet(int(name[len("resnet"):-len("_cifar")]), num_classes)
    m = re.fullmatch(r"densenet(_bc)?(\d+)_k(\d+)", name)
    if m:
        return CifarDenseNet(int(m.group(2)), int(m.group(3)), m.group(1) is not None, num_classes)
    return getattr(torchvision.models, name)(num_classes=num_classes)


def old_densenet_keys(sd):
    """torchvision's original DenseNet checkpoints named denselayer parts norm.1, conv.2, ..."""
    return OrderedDict(
        (re.sub(r"(denselayer\d+\.(?:norm|relu|conv))([12])\.", r"\1.\2.", k), v) for k, v in sd.items())


def randomise_batchnorm(model):
    """Random affine and running statistics, so that BatchNorm is far from the identity."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
                m.running_mean.normal_(0.0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(7)


def parse_shape(text):
    return tuple(int(d) for d in text.split("x"))


def make(args):
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    model = build(args.model, args.num_classes)
    randomise_batchnorm(model)
    sd = model.state_dict()
    torch.save(sd, os.path.join(args.out, "weights_zip.pth"))
    torch.save(sd, os.path.join(args.out, "weights_legacy.pth"), _use_new_zipfile_serialization=False)
    if args.old_keys:
        torch.save(old_densenet_keys(sd), os.path.join(args.out, "weights_oldkeys.pth"))
    model.eval()
    manifest = {"inputs": []}
    for i, text in enumerate(args.inputs):
        x = torch.randn(parse_shape(text))
        np.save(os.path.join(args.out, "input_%d.npy" % i), x.numpy())
        with torch.no_grad():
            np.save(os.path.join(args.out, "eval_%d.npy" % i), model(x).numpy())
        manifest["inputs"].append(text)
    if isinstance(model, FractalNetRef):
        # Each column alone (what global drop-path trains), on input 0.
        x = torch.from_numpy(np.load(os.path.join(args.out, "input_0.npy")))
        with torch.no_grad():
            for c in range(len(model.blocks[0].columns)):
                np.save(os.path.join(args.out, "column_%d.npy" % (c + 1)), model(x, column=c).numpy())
    if args.train or args.grads:
        # Training mode on input 0: batch-statistics forward (updating the running statistics),
        # and with --grads the cross-entropy gradients of every parameter.
        model.train()
        x = torch.from_numpy(np.load(os.path.join(args.out, "input_0.npy")))
        target = torch.arange(x.shape[0]) % args.num_classes
        with torch.set_grad_enabled(args.grads):
            out = model(x)
        np.save(os.path.join(args.out, "train_out.npy"), out.detach().numpy())
        buffers = {k: b for k, b in model.named_buffers() if "running" in k}
        torch.save(buffers, os.path.join(args.out, "train_buffers.pth"))
        if args.grads:
            loss = F.cross_entropy(out, target)
            loss.backward()
            np.save(os.path.join(args.out, "train_target.npy"), target.numpy())
            grads = {k: p.grad for k, p in model.named_parameters()}
            torch.save(grads, os.path.join(args.out, "train_grads.pth"))
            manifest["loss"] = loss.item()
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f)


def check_export(args):
    model = build(args.model, args.num_classes)
    sd = torch.load(args.weights, weights_only=True)
    model.load_state_dict(sd, strict=True)
    model.eval()
    x = torch.from_numpy(np.load(args.input))
    with torch.no_grad():
        np.save(args.output, model(x).numpy())


def train_steps(args):
    """SGD steps (cross-entropy; torch.optim.SGD with the given momentum, Nesterov and weight
    decay) on fixed random batches, saving what the Java loop needs to retrace each step from the
    same state: weights_S.pth (the state dict before step S; S = steps: after the last), momentum_S.pth
    (the momentum buffers before step S, keyed optimizer.momentum_buffer.<parameter>; none before
    step 0), x_S.npy / y_S.npy (the batch of step S) and each step's loss in manifest.json."""
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    model = build(args.model, args.num_classes)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                          nesterov=args.nesterov, weight_decay=args.wd)
    names = {p: k for k, p in model.named_parameters()}
    model.train()
    losses = []
    for step in range(args.steps + 1):
        torch.save(model.state_dict(), os.path.join(args.out, "weights_%d.pth" % step))
        momentum = {"optimizer.momentum_buffer." + names[p]: s["momentum_buffer"]
                    for p, s in opt.state.items() if s.get("momentum_buffer") is not None}
        if momentum:
            torch.save(momentum, os.path.join(args.out, "momentum_%d.pth" % step))
        if step == args.steps:
            break
        x = torch.randn(args.batch, 3, args.size, args.size)
        y = torch.randint(0, args.num_classes, (args.batch,))
        np.save(os.path.join(args.out, "x_%d.npy" % step), x.numpy())
        np.save(os.path.join(args.out, "y_%d.npy" % step), y.numpy())
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"losses": losses}, f)


def main():
    # Every core for the parity tests' references; modules importing this file set their own.
    torch.set_num_threads(os.cpu_count() or 1)
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--model", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--num-classes", type=int, default=1000)
    m.add_argument("--inputs", nargs="+", required=True)
    m.add_argument("--train", action="store_true", help="training-mode forward of input 0")
    m.add_argument("--grads", action="store_true", help="also cross-entropy gradients")
    m.add_argument("--old-keys", action="store_true", help="also DenseNet's old-style key names")
    c = sub.add_parser("check-export")
    c.add_argument("--model", required=True)
    c.add_argument("--num-classes", type=int, default=1000)
    c.add_argument("--weights", required=True)
    c.add_argument("--input", required=True)
    c.add_argument("--output", required=True)
    t = sub.add_parser("train-steps")
    t.add_argument("--model", required=True)
    t.add_argument("--num-classes", type=int, default=10)
    t.add_argument("--out", required=True)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--steps", type=int, default=4)
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--size", type=int, default=16)
    t.add_argument("--lr", type=float, default=0.1)
    t.add_argument("--momentum", type=float, default=0.9)
    t.add_argument("--nesterov", action="store_true")
    t.add_argument("--wd", type=float, default=0.0)
    args = p.parse_args()
    {"make": make, "check-export": check_export, "train-steps": train_steps}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
