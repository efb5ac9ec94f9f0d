"""Writes group_norm_silu.pt, group_norm.pt and silu.pt under worker/src/main/resources/dev/diffq/engine/model/:
TorchScript modules that run PyTorch's fused GroupNorm(8 groups) + SiLU, GroupNorm and SiLU kernels, which DJL does not
expose. dev.diffq.engine.model.FusedOps loads them; without them the model falls back to composed DJL ops.

    /usr/bin/python3 worker/src/test/python/make_fused_ops.py
"""
import os

import torch
import torch.nn.functional as F


class GroupNormSilu(torch.nn.Module):
    def forward(self, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        """SiLU(GroupNorm(x)) with 8 groups, eps 1e-5, per-channel gamma and beta of shape (C, 1, 1)."""
        return F.silu(F.group_norm(x, 8, gamma.reshape(-1), beta.reshape(-1), 1e-5))


class GroupNorm(torch.nn.Module):
    def forward(self, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        return F.group_norm(x, 8, gamma.reshape(-1), beta.reshape(-1), 1e-5)


class Silu(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(x)


# DJL runs only a module's forward with autograd enabled, hence one module per op.
MODULES = {"group_norm_silu.pt": GroupNormSilu(), "group_norm.pt": GroupNorm(), "silu.pt": Silu()}

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = os.path.normpath(os.path.join(here, "..", "..", "main", "resources", "dev", "diffq", "engine", "model"))
    for name, module in MODULES.items():
        out = os.path.join(out_dir, name)
        torch.jit.script(module).save(out)
        print("wrote", out, os.path.getsize(out), "bytes with torch", torch.__version__)
