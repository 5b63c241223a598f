"""The full-size SD 1.5 UNet in PyTorch (sd15_torch.UNet, checked first against the original
code's outputs in ../shared/reference), in fp32 on the CPU: the reference UNetBenchmark measures
Atelier against, step for step in the same run.

usage: unet_benchmark.py THREADS
Builds the network, prints a "ready ..." line, then for each "step" line on stdin runs one step
(batch 1, 64x64 latent, 77x768 context) and prints {"wall_s": ..., "cpu_s": ...}; at "quit" prints
{"peak_rss_mb": ...} and exits.
"""
import json
import resource
import sys
import time

import torch

import sd15_torch
import sd15_torch_check


def main():
    torch.set_num_threads(int(sys.argv[1]))
    sd15_torch_check.check(sd15_torch_check.DEFAULT_FOLDER, ("unet",))
    torch.manual_seed(0)
    unet = sd15_torch.UNet(4, 320, 8, 768, 32).eval()
    with torch.no_grad():
        # The same weight statistics as the Java side (speed does not depend on them, but alike is simpler).
        for name, p in unet.named_parameters():
            if p.dim() >= 2:
                p.normal_(0, p[0].numel() ** -0.5)
            else:
                p.normal_(1 if name.endswith(".weight") else 0, 0.02)
    x = torch.randn(1, 4, 64, 64)
    t = torch.tensor([500.0])
    context = torch.randn(1, 77, 768)
    print(f"ready PyTorch {torch.__version__} (sd15_torch UNet, matches the reference), {torch.get_num_threads()} threads", flush=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        wall, cpu = time.perf_counter(), time.process_time()
        with torch.no_grad():
            unet(x, timesteps=t, context=context)
        print(json.dumps({"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(json.dumps({"peak_rss_mb": round(peak)}), flush=True)


if __name__ == "__main__":
    main()
