"""The SD 1.5 text encoder (OpenAI's CLIP code, random weights) timed in PyTorch, for
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "clip_reference"))
import clip_text  # noqa: E402
import reference_tensors  # noqa: E402

inputs_file, outputs_file = sys.argv[1:3]
width, layers, heads, vocab, positions, threads, repeats = (int(a) for a in sys.argv[3:10])
torch.set_num_threads(threads)
model = clip_text.build(width, layers, heads, vocab, positions)
ids = reference_tensors.load(inputs_file)["ids"].round().long()
clip_text.last_hidden_state(model, ids)
seconds = []
cpu_seconds = []
for _ in range(repeats):
    start = time.perf_counter()
    cpu_start = time.process_time()
    clip_text.last_hidden_state(model, ids)
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
