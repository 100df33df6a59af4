#!/usr/bin/python3
"""Writes the first N images of Fashion-MNIST's train split as grey PNGs, DIR/<label>/<index>.png: the
input of the Spark prediction benchmark. Up to 12,000 images come from the bundled demo subset; more
need the full set of Debian's dataset-fashion-mnist (60,000).

usage: bench/spark_images.py DIR N
"""
import gzip
import os
import sys

import numpy as np
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
images = os.path.join(here, "..", "src", "main", "resources", "datasets", "fashion-mnist-demo",
                      "train-images-idx3-ubyte.gz")
out, n = sys.argv[1], int(sys.argv[2])
if n > 12000:
    images = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
labels = images.replace("images-idx3", "labels-idx1")
with gzip.open(images) as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
with gzip.open(labels) as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)
if n > len(x):
    sys.exit(f"{images} has {len(x)} images, fewer than {n}")
for i in range(n):
    folder = os.path.join(out, str(y[i]))
    os.makedirs(folder, exist_ok=True)
    Image.fromarray(x[i], "L").save(os.path.join(folder, f"{i:05d}.png"))
