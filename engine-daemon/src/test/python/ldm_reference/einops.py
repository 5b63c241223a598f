"""A small stand-in for the einops package (not packaged in Debian): rearrange and repeat for
the patterns latent-diffusion uses, written on torch.reshape/permute/expand."""
import math
import re


def _groups(side):
    groups = []
    for token in re.findall(r"\([^)]*\)|\S+", side):
        groups.append(token[1:-1].split() if token.startswith("(") else [token])
    return groups


def _sizes(tensor_shape, groups, known):
    sizes = dict(known)
    if len(groups) != len(tensor_shape):
        raise ValueError(f"pattern has {len(groups)} axes, tensor has {len(tensor_shape)}")
    for group, size in zip(groups, tensor_shape):
        unknown = [a for a in group if a not in sizes]
        product = math.prod(sizes[a] for a in group if a in sizes)
        if len(unknown) > 1:
            raise ValueError(f"cannot infer {unknown}")
        if unknown:
            sizes[unknown[0]] = size // product
    return sizes


def rearrange(tensor, pattern, **known):
    left, right = (s.strip() for s in pattern.split("->"))
    lg, rg = _groups(left), _groups(right)
    sizes = _sizes(tensor.shape, lg, known)
    elementary = [a for g in lg for a in g]
    x = tensor.reshape([sizes[a] for a in elementary])
    order = [a for g in rg for a in g]
    x = x.permute([elementary.index(a) for a in order])
    return x.reshape([math.prod(sizes[a] for a in g) for g in rg])


def repeat(tensor, pattern, **known):
    left, right = (s.strip() for s in pattern.split("->"))
    lg, rg = _groups(left), _groups(right)
    sizes = _sizes(tensor.shape, lg, known)
    elementary = [a for g in lg for a in g]
    x = tensor.reshape([sizes[a] for a in elementary])
    order = [a for g in rg for a in g]
    new = [a for a in order if a not in elementary]
    for _ in new:
        x = x.unsqueeze(-1)
    full = elementary + new
    x = x.permute([full.index(a) for a in order])
    x = x.expand([sizes[a] for a in order])
    return x.reshape([math.prod(sizes[a] for a in g) for g in rg])
