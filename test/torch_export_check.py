#!/usr/bin/env python3
"""PyTorch side of test/torch_export_test.ts: reads checkpoints written by
exportTorchCheckpoint with plain torch.load (weights_only=True where the torch
version has it; no project code), loads them with strict=True into the
project's PyTorch reference pair (test/torch_resnet_pair.py: torchvision-style
ResNet-18/34 with any widths) and, for the paper towers, into the official
code's definition (torchvision resnet34 per subnet, voice conv1 replaced by a
1-channel 7x7 conv, fc replaced by the parameter-free ChannelPooling(512);
../shared/docs/cmpc-spec.md section 2) when torchvision is installed; embeds
the given inputs in eval mode.

Usage: python3 test/torch_export_check.py DIR

DIR/cases.json: {"cases": [{"name", "file", "depth", "widths", "official",
"voice_input": {"file", "shape"}, "face_input": {...}}]} with NHWC float32
inputs. Writes DIR/result.json and DIR/<name>_<tower>[_official].f32.
"""
import collections
import inspect
import json
import os
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_resnet_pair import ResNet  # noqa: E402

try:
    import torchvision
except ImportError:  # the official-definition check is then skipped
    torchvision = None


class Pair(nn.Module):
    """The reference pair: voice_subnet (1 channel) and face_subnet (3 channels)."""

    def __init__(self, depth, widths):
        super().__init__()
        layers = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}[depth]
        self.voice_subnet = ResNet(1, layers, tuple(widths))
        self.face_subnet = ResNet(3, layers, tuple(widths))


class ChannelPooling(nn.Module):
    """The official head: adaptive 1-D average pooling over channels, 512 -> 512 (the identity)."""

    def __init__(self, out_dim):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool1d(out_dim)

    def forward(self, x):
        return self.pool(x.unsqueeze(1)).squeeze(1)


def official_subnet(in_channels):
    kw = {"weights": None} if "weights" in inspect.signature(torchvision.models.resnet34).parameters else {"pretrained": False}
    net = torchvision.models.resnet34(**kw)
    if in_channels != 3:
        net.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    net.fc = ChannelPooling(512)
    return net


class OfficialPair(nn.Module):
    """models/fv_wrapper.py of the official code, on torchvision's resnet34."""

    def __init__(self):
        super().__init__()
        self.voice_subnet = official_subnet(1)
        self.face_subnet = official_subnet(3)


def load(path):
    if "weights_only" in inspect.signature(torch.load).parameters:
        return torch.load(path, map_location="cpu", weights_only=True), True
    return torch.load(path, map_location="cpu"), False


def read_input(d, spec):
    x = np.fromfile(os.path.join(d, spec["file"]), dtype="<f4").reshape(spec["shape"])
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "cases.json")) as f:
        cases = json.load(f)["cases"]
    result = {
        "torch": torch.__version__,
        "torchvision": None if torchvision is None else torchvision.__version__,
        "cases": {},
    }

    def dump(name, t):
        t.detach().contiguous().numpy().astype("<f4").tofile(os.path.join(d, name + ".f32"))
        return name + ".f32"

    for case in cases:
        saved, weights_only = load(os.path.join(d, case["file"]))
        sd = saved["model"]
        out = {
            "weightsOnly": weights_only,
            "rootType": type(saved).__name__,
            "rootKeys": list(saved.keys()),
            "stateDictType": f"{type(sd).__module__}.{type(sd).__name__}",
            "keys": list(sd.keys()),
            "dtypes": sorted({str(v.dtype) for v in sd.values()}),
            "int64Keys": [k for k, v in sd.items() if v.dtype == torch.int64],
            "shapes": {k: list(v.shape) for k, v in sd.items()},
            "allContiguous": all(v.is_contiguous() for v in sd.values()),
        }
        # torch.save of the same objects (fresh storages, no _metadata): the same pickle and storage bytes?
        again = os.path.join(d, case["name"] + "_torch_save.pth.tar")
        torch.save({k: v for k, v in saved.items() if k != "model"} | {"model": collections.OrderedDict(
            (k, v.clone()) for k, v in sd.items())}, again)
        with zipfile.ZipFile(os.path.join(d, case["file"])) as a, zipfile.ZipFile(again) as b:
            def entries(z):
                return {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}
            ea, eb = entries(a), entries(b)
            out["sameAsTorchSave"] = {
                "pickle": ea["data.pkl"] == eb["data.pkl"],
                "storages": all(ea[n] == eb[n] for n in eb if n.startswith("data/")) and
                sorted(n for n in ea if n.startswith("data/")) == sorted(n for n in eb if n.startswith("data/")),
                "version": ea["version"] == eb["version"],
                "stored": all(i.compress_type == zipfile.ZIP_STORED for i in a.infolist()),
                "aligned64": all((i.header_offset + 30 + len(i.filename.encode()) + len(i.extra)) % 64 == 0
                                 for i in a.infolist()),
            }
        xv = read_input(d, case["voice_input"])
        xf = read_input(d, case["face_input"])
        ref = Pair(case["depth"], case["widths"])
        res = ref.load_state_dict(sd, strict=True)
        out["reference"] = {"missing": list(res.missing_keys), "unexpected": list(res.unexpected_keys)}
        ref.eval()
        with torch.no_grad():
            out["voice"] = dump(f"{case['name']}_voice", ref.voice_subnet(xv))
            out["face"] = dump(f"{case['name']}_face", ref.face_subnet(xf))
        if case.get("official") and torchvision is not None:
            off = OfficialPair()
            want = off.state_dict()
            out["official"] = {
                "keys": list(want.keys()),
                "shapes": {k: list(v.shape) for k, v in want.items()},
                "dtypes": {k: str(v.dtype) for k, v in want.items()},
            }
            res = off.load_state_dict(sd, strict=True)
            out["official"]["missing"] = list(res.missing_keys)
            out["official"]["unexpected"] = list(res.unexpected_keys)
            off.eval()
            with torch.no_grad():
                out["official"]["voice"] = dump(f"{case['name']}_voice_official", off.voice_subnet(xv))
                out["official"]["face"] = dump(f"{case['name']}_face_official", off.face_subnet(xf))
        result["cases"][case["name"]] = out
    with open(os.path.join(d, "result.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
