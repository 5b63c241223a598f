"""Atelier's stand-in for latent-diffusion's ldm/util.py: the vendored modules import only
instantiate_from_config from it (and never call it for the networks compared here), so the
original's PIL and multiprocessing imports are left out."""
import importlib


def instantiate_from_config(config):
    module, cls = config["target"].rsplit(".", 1)
    return getattr(importlib.import_module(module), cls)(**config.get("params", dict()))


def exists(x):
    """As in the original; the vendored cldm ControlNet imports it."""
    return x is not None
