"""An SD 1.5 ControlNet as lllyasviel's cldm code builds it (cldm_v15.yaml), with the weights of a
ControlNet file (keys with or without control_model.), run on the Java test's inputs.

usage: controlnet_reference.py INPUTS OUTPUTS CHECKPOINT MODEL_CHANNELS HEADS CONTEXT_DIM STRENGTH

INPUTS holds x, hint, timesteps and context; OUTPUTS gets control.0 .. control.12, the
residuals cldm.ControlNet.forward returns times STRENGTH (ControlLDM's control_scales).
The reference's GroupNorms have 32 groups: the Java side uses widths with 32 groups to match.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "cldm_reference"))

import reference_tensors  # noqa: E402
from cldm.cldm import ControlNet  # noqa: E402


def sd15_controlnet(model_channels, heads, context_dim):
    return ControlNet(image_size=32, in_channels=4, hint_channels=3, model_channels=model_channels,
                      attention_resolutions=[4, 2, 1], num_res_blocks=2, channel_mult=[1, 2, 4, 4], num_heads=heads,
                      use_spatial_transformer=True, transformer_depth=1, context_dim=context_dim, use_checkpoint=False,
                      legacy=False)


def main():
    inputs_path, outputs_path, checkpoint = sys.argv[1:4]
    model_channels, heads, context_dim = (int(a) for a in sys.argv[4:7])
    strength = float(sys.argv[7])
    torch.set_num_threads(1)
    net = sd15_controlnet(model_channels, heads, context_dim)
    weights = reference_tensors.load(checkpoint)
    if any(name.startswith("control_model.") for name in weights):
        weights = reference_tensors.weights_under(weights, "control_model.")
    net.load_state_dict(weights, strict=True)
    net.eval()
    inputs = reference_tensors.load(inputs_path)
    with torch.no_grad():
        outs = net(inputs["x"], inputs["hint"], inputs["timesteps"], inputs["context"])
    reference_tensors.save(outputs_path, {f"control.{i}": out * strength for i, out in enumerate(outs)})


if __name__ == "__main__":
    main()
