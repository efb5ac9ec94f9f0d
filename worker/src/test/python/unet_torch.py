"""The diffq UNet (docs/DESIGN.md, "UNet presets") in plain PyTorch, layer for layer as the DJL
dev.diffq.engine.model.UNet builds it, with parameters registered in the same order so a DJL parameter
export can be loaded by position. Used by bench_torch.py (speed reference) and check_numerics.py."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "mnist-small": dict(image=28, inc=1, C=32, mults=(1, 2, 2), blocks=2, attn=(2,), classes=10),
    "mnist-base": dict(image=28, inc=1, C=64, mults=(1, 2, 2), blocks=2, attn=(2,), classes=10),
    "rgb32": dict(image=32, inc=3, C=64, mults=(1, 2, 2, 2), blocks=2, attn=(1,), classes=10),
    "rgb64": dict(image=64, inc=3, C=64, mults=(1, 2, 2, 4), blocks=2, attn=(2,), classes=10),
}


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb, dropout):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_proj = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.dropout = dropout

    def forward(self, x, emb_silu):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_proj(emb_silu)[:, :, None, None]
        h = F.silu(self.norm2(h))
        h = F.dropout(h, self.dropout, self.training)
        h = self.conv2(h)
        return h + (x if self.skip is None else self.skip(x))


class Attention(nn.Module):
    def __init__(self, c, heads=4):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(8, c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.proj = nn.Conv2d(c, c, 1)

    def forward(self, x):
        n, c, hh, ww = x.shape
        d = c // self.heads
        q, k, v = self.qkv(self.norm(x)).reshape(n, 3, self.heads * d * hh * ww).unbind(1)
        q = q.reshape(n * self.heads, d, hh * ww) / math.sqrt(d)
        k = k.reshape(n * self.heads, d, hh * ww)
        v = v.reshape(n * self.heads, d, hh * ww)
        w = torch.softmax(q.transpose(1, 2) @ k, dim=2)  # [B, query, key]
        out = (v @ w.transpose(1, 2)).reshape(n, c, hh, ww)
        return x + self.proj(out)


class UNet(nn.Module):
    def __init__(self, image, inc, C, mults, blocks, attn, classes, dropout=0.0):
        super().__init__()
        emb = 4 * C
        self.C, self.mults, self.blocks, self.attn, self.classes = C, mults, blocks, attn, classes
        # Registration order = DJL order: the class table (a direct parameter) first, then the children.
        self.class_table = nn.Parameter(torch.randn(classes + 1, emb)) if classes > 0 else None
        self.time_embed1 = nn.Linear(C, emb)
        self.time_embed2 = nn.Linear(emb, emb)
        self.input_conv = nn.Conv2d(inc, C, 3, padding=1)
        self.down = nn.ModuleList()
        skips = [C]
        ch = C
        for l, m in enumerate(mults):
            level = nn.ModuleList()
            for b in range(blocks):
                level.append(ResBlock(ch, C * m, emb, dropout))
                ch = C * m
                if l in attn:
                    level.append(Attention(ch))
                skips.append(ch)
            if l < len(mults) - 1:
                level.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
                skips.append(ch)
            self.down.append(level)
        self.mid = nn.ModuleList([ResBlock(ch, ch, emb, dropout), Attention(ch), ResBlock(ch, ch, emb, dropout)])
        self.up = nn.ModuleList()
        for l in reversed(range(len(mults))):
            level = nn.ModuleList()
            for b in range(blocks + 1):
                level.append(ResBlock(ch + skips.pop(), C * mults[l], emb, dropout))
                ch = C * mults[l]
                if l in attn:
                    level.append(Attention(ch))
            if l > 0:
                level.append(nn.Conv2d(ch, ch, 3, padding=1))
            self.up.append(level)
        self.out_norm = nn.GroupNorm(8, C)
        self.out_conv = nn.Conv2d(C, inc, 3, padding=1)

    def timestep_embedding(self, t):
        half = self.C // 2
        f = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        a = t.float()[:, None] * f[None, :]
        return torch.cat([a.sin(), a.cos()], dim=1)

    def forward(self, x, t, labels=None):
        emb = self.time_embed2(F.silu(self.time_embed1(self.timestep_embedding(t))))
        if self.class_table is not None:
            if labels is None:
                labels = torch.full((x.shape[0],), self.classes, dtype=torch.long)
            emb = emb + F.embedding(labels, self.class_table)
        emb_silu = F.silu(emb)
        h = self.input_conv(x)
        skips = [h]
        for l, level in enumerate(self.down):
            for mod in level:
                if isinstance(mod, ResBlock):
                    h = mod(h, emb_silu)
                    if l not in self.attn:
                        skips.append(h)
                elif isinstance(mod, Attention):
                    h = mod(h)
                    skips.append(h)
                else:  # downsample
                    h = mod(h)
                    skips.append(h)
        h = self.mid[0](h, emb_silu)
        h = self.mid[1](h)
        h = self.mid[2](h, emb_silu)
        for level in self.up:
            for mod in level:
                if isinstance(mod, ResBlock):
                    h = mod(torch.cat([h, skips.pop()], dim=1), emb_silu)
                elif isinstance(mod, Attention):
                    h = mod(h)
                else:  # upsample conv
                    h = F.interpolate(h, size=skips[-1].shape[2:], mode="nearest")
                    h = mod(h)
        return self.out_conv(F.silu(self.out_norm(h)))


def build(preset, dropout=0.0):
    return UNet(**PRESETS[preset], dropout=dropout)
