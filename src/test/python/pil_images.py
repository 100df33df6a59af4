"""Images made by PIL, and PIL's own decoding of every image in a folder (the reference).

usage: pil_images.py DIR
Writes into DIR: rgb.jpg, rgb.png, rgba.png, cmyk_adobe.jpg (PIL's CMYK JPEG, Adobe marker), grey.png, and
truncated copies of the JPEG and PNG at several lengths. Then, for every .jpg/.png in DIR (files
written by the test itself included), writes NAME.rgb (PIL's convert('RGB'), channel-major bytes),
NAME.L (convert('L')) or NAME.error (PIL's refusal).
"""
import os
import sys

import numpy as np
from PIL import Image

d = sys.argv[1]
rng = np.random.default_rng(7)
rgb = (rng.random((48, 64, 3)) * 255).astype("uint8")
Image.fromarray(rgb, "RGB").save(os.path.join(d, "rgb.jpg"), quality=90)
Image.fromarray(rgb, "RGB").save(os.path.join(d, "rgb.png"))
Image.fromarray(rgb[..., 0], "L").save(os.path.join(d, "grey.png"))
rgba = (rng.random((30, 20, 4)) * 255).astype("uint8")
Image.fromarray(rgba, "RGBA").save(os.path.join(d, "rgba.png"))
cmyk = (rng.random((40, 50, 4)) * 255).astype("uint8")
Image.fromarray(cmyk, "CMYK").save(os.path.join(d, "cmyk_adobe.jpg"), quality=95)
for name in ("rgb.jpg", "rgb.png"):
    data = open(os.path.join(d, name), "rb").read()
    stem, ext = os.path.splitext(name)
    for percent in (30, 60, 90, 99):
        cut = data[: len(data) * percent // 100]
        open(os.path.join(d, "%s_cut%d%s" % (stem, percent, ext)), "wb").write(cut)

for name in sorted(os.listdir(d)):
    if not name.endswith((".jpg", ".png")):
        continue
    path = os.path.join(d, name)
    try:
        with Image.open(path) as im:
            im.load()
            for mode in ("RGB", "L"):
                a = np.asarray(im.convert(mode))
                if a.ndim == 2:
                    a = a[None]
                else:
                    a = a.transpose(2, 0, 1)
                open(path + "." + ("rgb" if mode == "RGB" else "L"), "wb").write(
                    np.ascontiguousarray(a).tobytes()
                )
    except Exception as e:  # PIL's refusal is the reference
        open(path + ".error", "w").write(str(e))
