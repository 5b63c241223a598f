"""Times SD 1.5's VAE decode in the original latent-diffusion code, for AutoencoderBenchmark.

usage: vae_benchmark.py THREADS LATENT_SIZE REPEATS
Full-size AutoencoderKL (base width 128) with torch's own random initialisation, decode of one
random latent LATENT_SIZE a side (64: a 512x512 image) under torch.no_grad with THREADS intra-op
threads: one warm-up, then REPEATS timed. Prints one JSON line: each time, the median and the
process's peak resident memory.
"""
import json
import resource
import statistics
import sys
import time

import torch

from vae_reference import autoencoder

threads, size, repeats = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = autoencoder(128)
latents = torch.randn(1, 4, size, size)
times = []
with torch.no_grad():
    for i in range(repeats + 1):
        start = time.perf_counter()
        model.decoder(model.post_quant_conv(latents))
        if i > 0:
            times.append(time.perf_counter() - start)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": times,
                  "median_s": statistics.median(times),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
