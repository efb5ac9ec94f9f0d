"""Runs the DJL engine bench and bench_torch.py alternately, N rounds per preset, and prints the paired ratios.

On a shared machine whose speed moves by tens of percent from one minute to the next, one pair of runs says little:
each round runs the two engines back to back, and the median of the per-round ratios is the figure to quote.

    /usr/bin/python3 worker/src/test/python/compare_engines.py --rounds 5 --presets mnist-small,mnist-base \
        --batch 64 --threads 2 --iters 6 [--jar-dir worker/target]

Prints one JSON line per run (as each bench prints it) and then a summary line per preset:
{"preset": ..., "rounds": N, "wall_ratio_median": DJL ms / PyTorch ms, "cpu_ratio_median": ..., ...}.
A ratio below 1 means the DJL engine took less time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))


def djl(jar_dir, preset, batch, iters, threads):
    cp = os.path.join(jar_dir, "diffq-worker-0.1.0-SNAPSHOT.jar") + ":" + os.path.join(jar_dir, "lib", "*")
    cmd = ["java", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=%d" % threads, "-cp", cp,
           "dev.diffq.engine.cli.EngineCli", "bench", "--preset", preset, "--batch", str(batch),
           "--iters", str(iters), "--json"]
    return last_json(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def torch_bench(preset, batch, iters, threads):
    cmd = [sys.executable, os.path.join(HERE, "bench_torch.py"), "--preset", preset, "--batch", str(batch),
           "--iters", str(iters), "--threads", str(threads)]
    return last_json(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def last_json(text):
    lines = [line for line in text.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit("no JSON line in the bench output:\n" + text)
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--presets", default="mnist-small,mnist-base")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=6)
    ap.add_argument("--jar-dir", default=os.path.join(REPO, "worker", "target"),
                    help="folder with the worker jar and lib/ (copy it elsewhere to rebuild while this runs)")
    args = ap.parse_args()
    presets = args.presets.split(",")
    runs = {p: [] for p in presets}
    for r in range(args.rounds):
        for p in presets:
            d = djl(args.jar_dir, p, args.batch, args.iters, args.threads)
            t = torch_bench(p, args.batch, args.iters, args.threads)
            print(json.dumps(d), flush=True)
            print(json.dumps(t), flush=True)
            runs[p].append((d, t))
    for p in presets:
        pairs = runs[p]
        wall = [d["ms_per_train_step"] / t["ms_per_train_step"] for d, t in pairs]
        cpu = [d["cpu_ms_per_train_step"] / t["cpu_ms_per_train_step"] for d, t in pairs]
        fwd = [d["forward_ms"] / t["forward_ms"] for d, t in pairs]
        of_matmul = [d["achieved_gflops_train"] / d["matmul_gflops"] for d, t in pairs]
        print(json.dumps({
            "preset": p, "rounds": len(pairs), "batch": args.batch, "threads": args.threads,
            "wall_ratio_median": round(statistics.median(wall), 3), "wall_ratios": [round(x, 3) for x in wall],
            "cpu_ratio_median": round(statistics.median(cpu), 3), "cpu_ratios": [round(x, 3) for x in cpu],
            "forward_ratio_median": round(statistics.median(fwd), 3),
            "djl_ms_per_train_step": [d["ms_per_train_step"] for d, t in pairs],
            "torch_ms_per_train_step": [t["ms_per_train_step"] for d, t in pairs],
            "djl_train_share_of_matmul_median": round(statistics.median(of_matmul), 3)}), flush=True)


if __name__ == "__main__":
    main()
