"""Reads and writes safetensors files with json and numpy (Debian has no safetensors package),
so the reference scripts exchange weights, inputs and outputs with the Java tests."""
import json
import struct

import numpy as np
import torch

_TYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def load(path):
    """Every tensor of a safetensors file as float32 (int64 kept) torch tensors, by name."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = body[begin:end]
        if info["dtype"] == "BF16":
            halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            array = halves.view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=np.dtype(_TYPES[info["dtype"]]).newbyteorder("<"))
        array = array.reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.astype(np.int64 if array.dtype.kind == "i" else np.float32))
    return tensors


def save(path, tensors):
    """float32 tensors by name, in the order given."""
    header = {}
    chunks = []
    offset = 0
    for name, tensor in tensors.items():
        array = tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4")
        raw = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def weights_under(tensors, prefix):
    """The tensors whose names start with prefix, the prefix taken off: a module's state_dict."""
    return {name[len(prefix):]: t for name, t in tensors.items() if name.startswith(prefix)}
