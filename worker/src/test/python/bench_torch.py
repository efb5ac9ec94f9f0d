"""Speed reference: the same UNet preset trained in plain PyTorch (eager, float32, AdamW), measured the
way dev.diffq.engine.bench.EngineBench measures the DJL engine. Prints one JSON line.

    /usr/bin/python3 worker/src/test/python/bench_torch.py --preset mnist-small --batch 64 [--iters 5] [--threads 2]
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import unet_torch  # noqa: E402

GMAC = {}


def count_macs(model, image):
    """Conv and linear MACs of one forward pass for one image (attention products excluded, as the preset table)."""
    macs = [0]

    def conv_hook(mod, inp, out):
        macs[0] += mod.weight.numel() * out.shape[2] * out.shape[3]

    def linear_hook(mod, inp, out):
        macs[0] += mod.weight.numel()

    hooks = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, torch.nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(torch.zeros(1, model.input_conv.in_channels, image, image), torch.zeros(1), torch.zeros(1, dtype=torch.long))
    for h in hooks:
        h.remove()
    return macs[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", required=True, choices=sorted(unet_torch.PRESETS))
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    p = unet_torch.PRESETS[args.preset]
    model = unet_torch.build(args.preset)
    gflop = 2.0 * count_macs(model, p["image"]) / 1e9
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    shape = (args.batch, p["inc"], p["image"], p["image"])

    def inputs():
        return (torch.randn(shape), torch.randint(0, 1000, (args.batch,)).float(),
                torch.randint(0, p["classes"] + 1, (args.batch,)))

    def train_step():
        x, t, y = inputs()
        noise = torch.randn(shape)
        loss = F.mse_loss(model(x, t, y), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    model.train()
    for _ in range(2):
        train_step()
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in range(args.iters):
        train_step()
    ms_step = (time.perf_counter() - start) * 1000 / args.iters
    cpu_step = (time.process_time() - cpu) * 1000 / args.iters

    model.eval()
    with torch.no_grad():
        for _ in range(2):
            model(*inputs())
        cpu = time.process_time()
        start = time.perf_counter()
        for _ in range(args.iters):
            model(*inputs())
        forward_ms = (time.perf_counter() - start) * 1000 / args.iters
        cpu_forward = (time.process_time() - cpu) * 1000 / args.iters

    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    best = min(_timed(lambda: a @ b) for _ in range(8))
    peak = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) // 1024
    train_img_s = args.batch * 1000 / ms_step
    sample_img_s = args.batch * 1000 / forward_ms
    print(json.dumps({
        "engine": "pytorch " + torch.__version__, "preset": args.preset,
        "params": sum(x.numel() for x in model.parameters()), "batch": args.batch,
        "train_img_s": round(train_img_s, 2), "sample_img_s": round(sample_img_s, 2),
        "ms_per_train_step": round(ms_step, 1), "forward_ms": round(forward_ms, 1),
        "achieved_gflops_train": round(train_img_s * 3 * gflop, 2),
        "achieved_gflops_forward": round(sample_img_s * gflop, 2),
        "matmul_gflops": round(2 * 1024 ** 3 / best / 1e9, 2), "threads": torch.get_num_threads(),
        "peak_rss_mb": peak, "cpu_ms_per_train_step": round(cpu_step, 1), "cpu_ms_forward": round(cpu_forward, 1)}))


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
