#!/usr/bin/python3
"""Writes the Fashion-MNIST demo subset bundled in the jar (`Datasets.open("demo", ...)`).

How the committed files in src/main/resources/datasets/fashion-mnist-demo/ were produced:
  /usr/bin/python3 src/test/python/make_demo_dataset.py
with Debian's dataset-fashion-mnist package installed (the official files, in
/usr/share/datasets/fashion-mnist/). Standard library only; the output is byte-identical between
runs (fixed seed, gzip mtime 0).

Subset: 1,200 images per class from the official training file (12,000 in all) and 200 per class
from the official t10k file (2,000 in all). One random.Random(0) picks, class by class in label
order, random.sample(indices of the class, k) from the training file, then from the test file; the
chosen images keep their official order. Written as gzipped IDX files with the standard names
(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
t10k-labels-idx1-ubyte.gz).
"""
import gzip
import os
import random
import struct

SRC = "/usr/share/datasets/fashion-mnist"
DST = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "../../main/resources/datasets/fashion-mnist-demo")
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


def read(prefix):
    with gzip.open(os.path.join(SRC, prefix + "-images-idx3-ubyte.gz")) as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == IMAGES_MAGIC, hex(magic)
        images = f.read(n * rows * cols)
        assert len(images) == n * rows * cols
    with gzip.open(os.path.join(SRC, prefix + "-labels-idx1-ubyte.gz")) as f:
        magic, m = struct.unpack(">II", f.read(8))
        assert magic == LABELS_MAGIC and m == n, (hex(magic), m, n)
        labels = f.read(n)
    return images, labels, rows, cols


def write(prefix, per_class, rng):
    images, labels, rows, cols = read(prefix)
    by_class = {}
    for i, y in enumerate(labels):
        by_class.setdefault(y, []).append(i)
    chosen = sorted(i for y in sorted(by_class) for i in rng.sample(by_class[y], per_class))
    size = rows * cols
    # mtime=0 keeps the files byte-identical between runs.
    path = os.path.join(DST, prefix + "-images-idx3-ubyte.gz")
    with gzip.GzipFile(path, "wb", 9, mtime=0) as f:
        f.write(struct.pack(">IIII", IMAGES_MAGIC, len(chosen), rows, cols))
        f.write(b"".join(images[i * size:(i + 1) * size] for i in chosen))
    path = os.path.join(DST, prefix + "-labels-idx1-ubyte.gz")
    with gzip.GzipFile(path, "wb", 9, mtime=0) as f:
        f.write(struct.pack(">II", LABELS_MAGIC, len(chosen)))
        f.write(bytes(labels[i] for i in chosen))
    print(f"{prefix}: {len(chosen)} images ({per_class} per class) -> {DST}")


if __name__ == "__main__":
    os.makedirs(DST, exist_ok=True)
    rng = random.Random(0)
    write("train", 1200, rng)
    write("t10k", 200, rng)
