"""Times SD 1.5's VAE decode in PyTorch (sd15_torch.Autoencoder, checked first against the
original code's outputs in ../shared/reference), for AutoencoderBenchmark.

usage: vae_benchmark.py THREADS LATENT_SIZE REPEATS
Full-size VAE (base width 128) with torch's own random initialisation, decode of one
random latent LATENT_SIZE a side (64: a 512x512 image) under torch.no_grad with THREADS intra-op
threads: one warm-up, then REPEATS timed. Prints one JSON line: each time, the median and the
process's peak resident memory (VmHWM).
"""
import json
import statistics
import sys
import time

import torch

import sd15_torch
import sd15_torch_check



def peak_rss_mb():
    """VmHWM: this process's own peak. getrusage's ru_maxrss is not, when started from Java: Linux
    keeps the larger of the old and new maxrss across exec, so it reports the JVM's peak."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


threads, size, repeats = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(threads)
sd15_torch_check.check(sd15_torch_check.DEFAULT_FOLDER, ("vae-decode",))
torch.manual_seed(0)
model = sd15_torch.Autoencoder(128, 32).eval()
latents = torch.randn(1, 4, size, size)
times = []
with torch.no_grad():
    for i in range(repeats + 1):
        start = time.perf_counter()
        model.decode(latents)
        if i > 0:
            times.append(time.perf_counter() - start)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": times,
                  "median_s": statistics.median(times),
                  "peak_rss_mb": peak_rss_mb()}), flush=True)
