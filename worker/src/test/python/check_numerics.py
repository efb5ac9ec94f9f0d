"""Cross-checks the DJL UNet against the PyTorch one in unet_torch.py given identical weights.

    java ... dev.diffq.engine.model.ExportForTorchCheck mnist-small /tmp/unet.npz
    /usr/bin/python3 worker/src/test/python/check_numerics.py mnist-small /tmp/unet.npz
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import unet_torch  # noqa: E402


def main(preset, path):
    data = np.load(path)
    model = unet_torch.build(preset).eval()
    params = list(model.parameters())
    names = sorted(k for k in data.files if k.startswith("p"))
    assert len(names) == len(params), f"{len(names)} DJL parameters, {len(params)} torch parameters"
    with torch.no_grad():
        for name, p in zip(names, params):
            value = torch.from_numpy(data[name])
            assert value.numel() == p.numel(), f"{name}: {tuple(value.shape)} vs {tuple(p.shape)}"
            p.copy_(value.reshape(p.shape))
        out = model(torch.from_numpy(data["x"]), torch.from_numpy(data["t"]), torch.from_numpy(data["labels"]))
    expected = data["out"]
    diff = np.abs(out.numpy() - expected).max()
    scale = np.abs(expected).max()
    print(f"{preset}: max |torch - djl| = {diff:.3g} (output max {scale:.3g})")
    sys.exit(0 if diff <= 1e-4 * max(1.0, scale) else 1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
