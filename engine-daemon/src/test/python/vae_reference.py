"""SD 1.5's VAE as the original latent-diffusion code builds it (ldm Encoder, Decoder and
AutoencoderKL's quant convs, SD 1.5's ddconfig), unmodified: its Normalize has 32 groups,
so the Java side is compared at widths whose group norms have 32 groups too.

usage: vae_reference.py INPUTS OUTPUTS WEIGHTS PREFIX CHANNELS
INPUTS holds "image" (B, 3, H, W) and "latents" (B, 4, h, w); OUTPUTS gets "moments"
(quant_conv(encoder(image)): mean and log-variance) and "image" (decoder(post_quant_conv(latents))).
"""
import sys

import torch

import reference_tensors
from ldm.modules.diffusionmodules.model import Decoder, Encoder


def ddconfig(channels):
    """v1-inference.yaml's first_stage_config.params.ddconfig with the base width given."""
    return dict(double_z=True, z_channels=4, resolution=256, in_channels=3, out_ch=3, ch=channels,
                ch_mult=[1, 2, 4, 4], num_res_blocks=2, attn_resolutions=[], dropout=0.0)


def autoencoder(channels):
    model = torch.nn.Module()
    model.encoder = Encoder(**ddconfig(channels))
    model.decoder = Decoder(**ddconfig(channels))
    model.quant_conv = torch.nn.Conv2d(8, 8, 1)
    model.post_quant_conv = torch.nn.Conv2d(4, 4, 1)
    return model.eval()


if __name__ == "__main__":
    inputs_file, outputs_file, weights_file, prefix, channels = sys.argv[1:6]
    model = autoencoder(int(channels))
    model.load_state_dict(reference_tensors.weights_under(reference_tensors.load(weights_file), prefix), strict=True)
    inputs = reference_tensors.load(inputs_file)
    with torch.no_grad():
        moments = model.quant_conv(model.encoder(inputs["image"]))
        image = model.decoder(model.post_quant_conv(inputs["latents"]))
    reference_tensors.save(outputs_file, {"moments": moments, "image": image})
