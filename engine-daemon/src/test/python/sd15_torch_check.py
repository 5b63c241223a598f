"""Proves that sd15_torch's modules compute what the original code computed, on a reference
folder in the format of ../shared/reference (tiny checkpoints, cases/*.safetensors with the
original outputs, generation.json with the widths). The benchmarks call check() before they
time anything, so the PyTorch side they measure is the right network.

usage: sd15_torch_check.py [FOLDER]   (default: shared/reference beside the project)
Prints one line a case and "N passed, M failed"; exit status 1 when a case fails."""
import json
import os
import sys

import torch

import reference_tensors
import sd15_torch

TOLERANCE = 1e-4
# src/test/python in engine-daemon in the project, with shared/ beside the project.
DEFAULT_FOLDER = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 5, "shared", "reference"))


def _architecture(folder):
    with open(os.path.join(folder, "generation.json")) as f:
        return json.load(f)["architecture"]


def unet(arch, in_channels):
    u = arch["unet"]
    return sd15_torch.UNet(in_channels, u["model_channels"], u["num_heads"], u["context_dim"], arch["norm_groups"])


def controlnet(arch):
    c = arch["controlnet"]
    return sd15_torch.ControlNet(c["model_channels"], c["num_heads"], arch["unet"]["context_dim"], arch["norm_groups"],
                                 c["hint_channels"])


def autoencoder(arch):
    return sd15_torch.Autoencoder(arch["vae"]["ch"], arch["norm_groups"])


def text_encoder(arch):
    t = arch["text"]
    return sd15_torch.TextEncoder(t["width"], t["layers"], t["heads"], t["vocab"], t["context_length"])


def _largest(ours, theirs):
    return float((ours - theirs).abs().max())


def run_case(folder, name):
    """The largest difference between our module's outputs and the stored ones for one case."""
    arch = _architecture(folder)
    t = reference_tensors.load(os.path.join(folder, "cases", name + ".safetensors"))
    sd15 = lambda: reference_tensors.load(os.path.join(folder, "sd15-tiny.safetensors"))
    with torch.no_grad():
        if name in ("unet", "unet-inpainting", "unet-controlled"):
            file = "sd15-inpainting-tiny.safetensors" if name == "unet-inpainting" else "sd15-tiny.safetensors"
            weights = reference_tensors.load(os.path.join(folder, file))
            net = sd15_torch.load_strict(unet(arch, 9 if name == "unet-inpainting" else 4), weights,
                                         sd15_torch.UNET_PREFIX).eval()
            if name != "unet-controlled":
                return _largest(net(t["x"], t["timesteps"], t["context"]), t["eps"])
            control = [t["control.%d" % i] for i in range(12)] + [t["control.middle"]]
            return max(_largest(net(t["x"], t["timesteps"], t["context"], control), t["eps"]),
                       _largest(net(t["x"], t["timesteps"], t["context"]), t["eps_without_control"]))
        if name == "controlnet":
            weights = reference_tensors.load(os.path.join(folder, "controlnet-tiny.safetensors"))
            net = sd15_torch.load_strict(controlnet(arch), weights, sd15_torch.CONTROL_PREFIX).eval()
            out = net(t["x"], t["hint"], t["timesteps"], t["context"])
            names = ["control.%d" % i for i in range(12)] + ["control.middle"]
            return max(_largest(o, t[n]) for o, n in zip(out, names))
        if name in ("vae-encode", "vae-decode", "sampling-ddim-decode"):
            vae = sd15_torch.load_strict(autoencoder(arch), sd15(), sd15_torch.VAE_PREFIX).eval()
            if name == "vae-encode":
                return _largest(vae.moments(t["image"]), t["moments"])
            z = t["z"] if name == "vae-decode" else t["latent"] / 0.18215
            return _largest(vae.decode(z), t["image"])
        if name == "text":
            net = sd15_torch.load_strict(text_encoder(arch), sd15(), sd15_torch.TEXT_PREFIX, sd15_torch.TEXT_IGNORED).eval()
            return max(_largest(net(t["ids"]), t["last_hidden_state"]),
                       _largest(net(t["ids"], clip_skip=2), t["penultimate_hidden_state_ln"]))
    return None


NETWORK_CASES = ("unet", "unet-inpainting", "unet-controlled", "controlnet", "vae-encode", "vae-decode",
                 "sampling-ddim-decode", "text")


def check(folder, cases=NETWORK_CASES):
    """Raises when one of the cases differs by more than the tolerance; answers the differences."""
    differences = {name: run_case(folder, name) for name in cases}
    wrong = {n: d for n, d in differences.items() if not d <= TOLERANCE}
    if wrong:
        raise SystemExit("sd15_torch differs from the reference in %s: the PyTorch side would time the wrong network" % wrong)
    return differences


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_FOLDER
    torch.set_num_threads(1)
    passed = failed = 0
    for name in NETWORK_CASES:
        d = run_case(folder, name)
        ok = d is not None and d <= TOLERANCE
        passed, failed = passed + ok, failed + (not ok)
        print("%-26s %10.3g %9.0e  %s" % (name, d, TOLERANCE, "ok" if ok else "FAIL"))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
