"""SD 1.5's UNet as the original latent-diffusion code builds it (v1-inference.yaml), with the
weights of a checkpoint file, run on the Java test's inputs.

usage: unet_reference.py INPUTS OUTPUTS CHECKPOINT IN_CHANNELS MODEL_CHANNELS HEADS CONTEXT_DIM

INPUTS holds x, timesteps and context, and optionally control.0 .. control.11 and
control.middle: then the pass is lllyasviel's cldm ControlledUnetModel.forward, written out
here because cldm is not vendored. The reference is unpatched, so its GroupNorms have 32
groups: the Java side uses widths with 32 groups to match.
"""
import sys

import torch

import reference_tensors
from ldm.modules.diffusionmodules.openaimodel import UNetModel
from ldm.modules.diffusionmodules.util import timestep_embedding


def sd15_unet(in_channels, model_channels, heads, context_dim):
    return UNetModel(image_size=32, in_channels=in_channels, out_channels=4, model_channels=model_channels,
                     attention_resolutions=[4, 2, 1], num_res_blocks=2, channel_mult=[1, 2, 4, 4], num_heads=heads,
                     use_spatial_transformer=True, transformer_depth=1, context_dim=context_dim,
                     use_checkpoint=False, legacy=False)


def controlled_forward(unet, x, timesteps, context, control):
    """cldm.ControlledUnetModel.forward (only_mid_control False)."""
    hs = []
    emb = unet.time_embed(timestep_embedding(timesteps, unet.model_channels, repeat_only=False))
    h = x
    for module in unet.input_blocks:
        h = module(h, emb, context)
        hs.append(h)
    h = unet.middle_block(h, emb, context)
    h += control.pop()
    for module in unet.output_blocks:
        h = torch.cat([h, hs.pop() + control.pop()], dim=1)
        h = module(h, emb, context)
    return unet.out(h)


def main():
    inputs_path, outputs_path, checkpoint = sys.argv[1:4]
    in_channels, model_channels, heads, context_dim = (int(a) for a in sys.argv[4:8])
    torch.set_num_threads(1)
    unet = sd15_unet(in_channels, model_channels, heads, context_dim)
    weights = reference_tensors.weights_under(reference_tensors.load(checkpoint), "model.diffusion_model.")
    unet.load_state_dict(weights, strict=True)
    unet.eval()
    inputs = reference_tensors.load(inputs_path)
    with torch.no_grad():
        if "control.middle" in inputs:
            control = [inputs[f"control.{i}"] for i in range(len(unet.input_blocks))] + [inputs["control.middle"]]
            eps = controlled_forward(unet, inputs["x"], inputs["timesteps"], inputs["context"], control)
        else:
            eps = unet(inputs["x"], timesteps=inputs["timesteps"], context=inputs["context"])
    reference_tensors.save(outputs_path, {"eps": eps})


if __name__ == "__main__":
    main()
