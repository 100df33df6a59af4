#!/usr/bin/python3
"""Makes the tiny weight-file fixtures under src/test/resources/weights/.

Run once with Debian's torch (1.13) and commit the output; the Java tests only read the files:
    /usr/bin/python3 src/test/python/make_weight_fixtures.py

Expected values come from torch.load of each fixture (torch is the ground truth), written as JSON
with the little-endian bytes in hex so the Java tests need no Python.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "weights"))

DTYPE_NAMES = {
    torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
    torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32",
    torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool",
}
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # keeps rewritten zips byte-identical across runs
STORAGE_ELEMENT_SIZE = {
    "FloatStorage": 4, "DoubleStorage": 8, "HalfStorage": 2, "BFloat16Storage": 2,
    "LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1,
    "ByteStorage": 1, "BoolStorage": 1,
}


def tensor_bytes(t):
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def describe(sd):
    return {k: {"dtype": DTYPE_NAMES[v.dtype], "shape": list(v.shape), "hex": tensor_bytes(v).hex()}
            for k, v in sd.items() if isinstance(v, torch.Tensor)}


def state_dict():
    """A real module state dict (with _metadata) plus every layout the reader must handle."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3, bias=False), torch.nn.BatchNorm2d(2))
    model[1].num_batches_tracked.fill_(7)
    model[1].running_mean.uniform_()
    sd = model.state_dict()  # OrderedDict with _metadata, pickled via BUILD
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    sd["fc.weight_t"] = base.t()  # transposed: non-contiguous strides
    shared = torch.arange(10, dtype=torch.float32) * 0.5
    sd["shared.a"] = shared[:4]
    sd["shared.b"] = shared[3:9].view(2, 3)  # same storage, offset 3
    sd["expanded"] = torch.tensor([1.0, 2.0, 3.0]).expand(2, 3)  # stride 0
    sd["sliced"] = torch.arange(20, dtype=torch.float32).reshape(4, 5)[1:3, ::2]
    sd["half"] = torch.randn(5).half()
    sd["bf16"] = torch.randn(2, 2).bfloat16()
    sd["double"] = torch.randn(3, dtype=torch.float64)
    sd["int32"] = torch.tensor([-1, 2, 2 ** 31 - 1], dtype=torch.int32)
    sd["uint8"] = torch.tensor([0, 7, 255], dtype=torch.uint8)
    sd["mask"] = torch.tensor([True, False, True])
    sd["empty"] = torch.zeros(0, 3)
    return sd


def extras():
    """Parameters, pickled via torch._utils._rebuild_parameter, and int64 extremes."""
    torch.manual_seed(1)
    sd = collections.OrderedDict()
    sd["param"] = torch.nn.Parameter(torch.randn(2, 2))
    sd["frozen"] = torch.nn.Parameter(torch.randn(3), requires_grad=False)
    sd["int64_extremes"] = torch.tensor([2 ** 63 - 1, -(2 ** 63), 2 ** 40], dtype=torch.int64)
    return sd


def write_json(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def load_expected(path):
    return describe(torch.load(path, weights_only=False))


class _StorageTypes(pickle.Unpickler):
    """Reads data.pkl only to learn each storage key's element size."""

    def __init__(self, f):
        super().__init__(f)
        self.element_size = {}

    def find_class(self, module, name):
        if module == "torch" and name.endswith("Storage"):
            return name
        if module == "torch._utils":
            return lambda *args: None
        return super().find_class(module, name)

    def persistent_load(self, pid):
        self.element_size[pid[2]] = STORAGE_ELEMENT_SIZE[pid[1]]
        return None


def big_endian_copy(src, dst):
    """torch 1.13 cannot write big-endian files; rewrite a zip the way a big-endian host would."""
    with zipfile.ZipFile(src) as zin:
        names = zin.namelist()
        prefix = names[0].split("/")[0]
        reader = _StorageTypes(io.BytesIO(zin.read(prefix + "/data.pkl")))
        reader.load()
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
            for name in names:
                data = zin.read(name)
                key = name[len(prefix + "/data/"):] if name.startswith(prefix + "/data/") else None
                if key is not None and reader.element_size[key] > 1:
                    data = np.frombuffer(data, dtype="<u%d" % reader.element_size[key]).byteswap().tobytes()
                zout.writestr(zipfile.ZipInfo(name, date_time=FIXED_TIME), data)
            zout.writestr(zipfile.ZipInfo(prefix + "/byteorder", date_time=FIXED_TIME), "big")


class _View:
    def __init__(self, key, offset, size):
        self.key, self.offset, self.size = key, offset, size


class _Rebuild:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


def legacy_with_storage_views(path):
    """torch < 1.0 pickled storage views: ('storage', type, root_key, loc, root_numel, (view_key, offset, size))."""
    root = torch.arange(8, dtype=torch.float32)

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _View):
                return ("storage", torch.FloatStorage, "root", "cpu", 8, (obj.key, obj.offset, obj.size))
            return None

    obj = collections.OrderedDict()
    obj["a"] = _Rebuild(_View("v1", 2, 4), 0, (2, 2), (2, 1))
    obj["b"] = _Rebuild(_View("v2", 5, 3), 1, (2,), (1,))
    obj["c"] = _Rebuild(_View("v1", 2, 4), 1, (3,), (1,))
    with open(path, "wb") as f:
        pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True,
                     "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
        P(f, protocol=2).dump(obj)
        pickle.dump(["root"], f, protocol=2)
        f.write(struct.pack("<q", 8))
        f.write(tensor_bytes(root))


def safetensors_write(path, sd, metadata):
    """Tiny spec writer: JSON header padded with spaces to 8 bytes, data packed in name order."""
    header = collections.OrderedDict()
    header["__metadata__"] = metadata
    tensors = {k: v.contiguous() for k, v in sd.items()}
    offset = 0
    data = []
    for k in sorted(tensors):
        b = tensor_bytes(tensors[k])
        data.append((k, offset, offset + len(b), b))
        offset += len(b)
    spans = {k: (s, e) for k, s, e, _ in data}
    for k, v in tensors.items():  # header keys in state-dict order, offsets in name order
        header[k] = {"dtype": {"float32": "F32", "float64": "F64", "float16": "F16", "bfloat16": "BF16",
                               "int64": "I64", "int32": "I32", "uint8": "U8", "bool": "BOOL"}[DTYPE_NAMES[v.dtype]],
                     "shape": list(v.shape), "data_offsets": list(spans[k])}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for _, _, _, b in data:
            f.write(b)


def npy_fixtures():
    os.makedirs(os.path.join(OUT, "npy"), exist_ok=True)
    expected = {}
    base = np.array([[0, 1, 2], [3, -4, 5]])
    cases = {
        "f4_le": base.astype("<f4") / 4, "f4_be": base.astype(">f4") / 4,
        "f8_le": base.astype("<f8") / 3, "f8_be": base.astype(">f8") / 3,
        "f2_le": base.astype("<f2") / 2, "i8_le": base.astype("<i8") * 10 ** 12,
        "i8_be": base.astype(">i8") * 10 ** 12, "i4_le": base.astype("<i4") * 1000,
        "i2_le": base.astype("<i2"), "i1": base.astype("i1"),
        "u1": np.array([0, 1, 200, 255], dtype="u1"), "b1": np.array([True, False, True]),
        "scalar_f4": np.array(3.5, dtype="<f4"), "vector_i8": np.arange(4, dtype="<i8"),
        "empty_f4": np.zeros((0, 2), dtype="<f4"),
    }
    for name, a in cases.items():
        np.save(os.path.join(OUT, "npy", name + ".npy"), a)
    for version in [(2, 0), (3, 0)]:
        name = "f4_v%d" % version[0]
        a = cases["f4_le"]
        with open(os.path.join(OUT, "npy", name + ".npy"), "wb") as f:
            np.lib.format.write_array(f, a, version=version)
        cases[name] = a
    for name, a in cases.items():
        le = a.astype(a.dtype.newbyteorder("<")) if a.dtype.itemsize > 1 else a
        expected[name] = {"descr": a.dtype.str, "shape": list(a.shape),
                          "hex": np.ascontiguousarray(le).tobytes().hex()}
    np.save(os.path.join(OUT, "npy", "fortran.npy"), np.asfortranarray(base.astype("<f4")))
    write_json("npy_expected.json", expected)


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict()
    p = lambda name: os.path.join(OUT, name)

    torch.save(sd, p("state_dict_zip.pth"))
    torch.save(sd, p("state_dict_legacy.pth"), _use_new_zipfile_serialization=False)
    expected = load_expected(p("state_dict_zip.pth"))
    assert expected == load_expected(p("state_dict_legacy.pth"))
    assert list(expected) == list(sd.keys())
    write_json("state_dict_expected.json", expected)

    checkpoint = {
        "epoch": 3,
        "arch": "tiny",
        "state_dict": collections.OrderedDict(("module." + k, v) for k, v in sd.items()),
        "best_acc1": torch.tensor(71.5),
        "optimizer": {"state": {}, "param_groups": [{"lr": 0.1, "momentum": 0.9, "params": [0, 1]}]},
    }
    torch.save(checkpoint, p("checkpoint_module.pth"))

    # Protocol 4 brings STACK_GLOBAL, FRAME, MEMOIZE and SHORT_BINUNICODE into data.pkl.
    torch.save(extras(), p("extras_protocol4.pth"), pickle_protocol=4)
    write_json("extras_expected.json", load_expected(p("extras_protocol4.pth")))

    big_endian_copy(p("state_dict_zip.pth"), p("state_dict_bigendian.pth"))

    legacy_with_storage_views(p("legacy_storage_views.pth"))
    write_json("legacy_storage_views_expected.json", load_expected(p("legacy_storage_views.pth")))

    safetensors_write(p("state_dict.safetensors"), sd, {"format": "pt", "model": "tiny <net>"})
    npy_fixtures()
    print("wrote fixtures to", OUT)


if __name__ == "__main__":
    sys.exit(main())
