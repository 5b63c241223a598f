"""The SD 1.5 text encoder (sd15_torch.TextEncoder, checked first against the original code's
outputs in ../shared/reference; random weights) timed in PyTorch, for
TextEncoderBenchmark: clip_text_benchmark.py inputs outputs width layers heads vocab positions
threads repeats. Input "ids" (B, N) as floats; outputs "seconds" (one per timed run, after one
warm-up), "cpu_seconds" (this process's CPU time in each), "peak_rss_kib" (this process's peak resident memory) and "openblas" (1 when the BLAS
loaded is OpenBLAS: Debian's torch calls whatever libblas.so.3 is, the slow reference BLAS
unless libopenblas0-pthread is installed)."""
import os
import sys
import time

# OpenBLAS sizes its thread pool when it is loaded (with torch), not from torch.set_num_threads.
os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[8]
import torch  # noqa: E402

import reference_tensors  # noqa: E402
import sd15_torch  # noqa: E402
import sd15_torch_check  # noqa: E402

inputs_file, outputs_file = sys.argv[1:3]
width, layers, heads, vocab, positions, threads, repeats = (int(a) for a in sys.argv[3:10])
torch.set_num_threads(threads)
sd15_torch_check.check(sd15_torch_check.DEFAULT_FOLDER, ("text",))
torch.manual_seed(0)
model = sd15_torch.TextEncoder(width, layers, heads, vocab, positions).eval()
ids = reference_tensors.load(inputs_file)["ids"].round().long()
torch.set_grad_enabled(False)
model(ids)
seconds = []
cpu_seconds = []
for _ in range(repeats):
    start = time.perf_counter()
    cpu_start = time.process_time()
    model(ids)
    cpu_seconds.append(time.process_time() - cpu_start)
    seconds.append(time.perf_counter() - start)
# VmHWM, not getrusage's ru_maxrss: Linux carries the parent's peak into ru_maxrss across the
# JVM's vfork + exec, so ru_maxrss would report the Java process's peak here.
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
with open("/proc/self/maps") as maps:
    openblas = any("openblas" in line for line in maps)
reference_tensors.save(outputs_file, {"seconds": torch.tensor(seconds), "cpu_seconds": torch.tensor(cpu_seconds),
                                      "peak_rss_kib": torch.tensor([float(peak)]),
                                      "openblas": torch.tensor([float(openblas)])})
