"""The SD 1.5 text encoder by OpenAI's CLIP code: clip_text_reference.py inputs outputs
checkpoint width layers heads vocab positions clip_skip. Input "ids" (B, N) token ids as floats;
output "hidden" (B, N, width)."""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "clip_reference"))
import clip_text  # noqa: E402
import reference_tensors  # noqa: E402

inputs_file, outputs_file, checkpoint_file = sys.argv[1:4]
width, layers, heads, vocab, positions, clip_skip = (int(a) for a in sys.argv[4:10])
torch.manual_seed(0)
model = clip_text.build(width, layers, heads, vocab, positions)
clip_text.load(model, reference_tensors.load(checkpoint_file), layers)
ids = reference_tensors.load(inputs_file)["ids"].round().long()
reference_tensors.save(outputs_file, {"hidden": clip_text.last_hidden_state(model, ids, clip_skip)})
