"""SD 1.5's networks in plain PyTorch, written for Atelier's benchmarks: the side the Java
networks are timed against in the same run. Module and attribute names follow the
single-file checkpoint's keys, so load_strict() fills every parameter from a file (or
refuses, naming the key), and sd15_torch_check.py proves on ../shared/reference that these
modules compute what the original code computed before anything is timed.

Widths are arguments: the benchmarks build SD 1.5's (UNet 320, VAE 128, text 768), the check
builds the reference folder's tiny ones from its generation.json."""
import math

import torch
from torch import nn
from torch.nn import functional as F

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
TEXT_PREFIX = "cond_stage_model.transformer.text_model."
CONTROL_PREFIX = "control_model."
LEVELS = (1, 2, 4, 4)
RES_BLOCKS = 2


def load_strict(module, tensors, prefix, ignored=()):
    """Every parameter of module from tensors[prefix + name]; every such key used."""
    state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix) and k[len(prefix):] not in ignored}
    module.load_state_dict(state, strict=True)
    return module


# ---- the UNet and ControlNet ----

def timestep_features(timesteps, width):
    """Sinusoidal features of the timesteps: cosines then sines, periods up to 10000."""
    half = width // 2
    frequencies = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    angles = timesteps.float()[:, None] * frequencies[None]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)


class ResBlock(nn.Module):
    def __init__(self, channels, out_channels, embedding, groups):
        super().__init__()
        self.in_layers = nn.Sequential(nn.GroupNorm(groups, channels), nn.SiLU(), nn.Conv2d(channels, out_channels, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(embedding, out_channels))
        self.out_layers = nn.Sequential(nn.GroupNorm(groups, out_channels), nn.SiLU(), nn.Dropout(0.0),
                                        nn.Conv2d(out_channels, out_channels, 3, padding=1))
        self.skip_connection = nn.Identity() if channels == out_channels else nn.Conv2d(channels, out_channels, 1)

    def forward(self, x, emb, context):
        h = self.in_layers(x) + self.emb_layers(emb)[:, :, None, None]
        return self.skip_connection(x) + self.out_layers(h)


class CrossAttention(nn.Module):
    def __init__(self, width, context_width, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(width, width, bias=False)
        self.to_k = nn.Linear(context_width, width, bias=False)
        self.to_v = nn.Linear(context_width, width, bias=False)
        self.to_out = nn.Sequential(nn.Linear(width, width), nn.Dropout(0.0))

    def forward(self, x, context=None):
        context = x if context is None else context
        b, n, width = x.shape
        split = lambda t: t.reshape(b, -1, self.heads, width // self.heads).transpose(1, 2)
        q, k, v = split(self.to_q(x)), split(self.to_k(context)), split(self.to_v(context))
        weights = torch.softmax(q @ k.transpose(-1, -2) * (width // self.heads) ** -0.5, dim=-1)
        return self.to_out((weights @ v).transpose(1, 2).reshape(b, n, width))


class GatedGelu(nn.Module):
    def __init__(self, width, inner):
        super().__init__()
        self.proj = nn.Linear(width, inner * 2)

    def forward(self, x):
        value, gate = self.proj(x).chunk(2, dim=-1)
        return value * F.gelu(gate)


class TransformerBlock(nn.Module):
    def __init__(self, width, context_width, heads):
        super().__init__()
        self.attn1 = CrossAttention(width, width, heads)
        self.attn2 = CrossAttention(width, context_width, heads)
        self.ff = nn.Module()
        self.ff.net = nn.Sequential(GatedGelu(width, width * 4), nn.Dropout(0.0), nn.Linear(width * 4, width))
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(width), nn.LayerNorm(width), nn.LayerNorm(width)

    def forward(self, x, context):
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        return x + self.ff.net(self.norm3(x))


class SpatialTransformer(nn.Module):
    def __init__(self, channels, context_width, heads, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.proj_in = nn.Conv2d(channels, channels, 1)
        self.transformer_blocks = nn.ModuleList([TransformerBlock(channels, context_width, heads)])
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x, emb, context):
        b, c, h, w = x.shape
        y = self.proj_in(self.norm(x)).reshape(b, c, h * w).transpose(1, 2)
        for block in self.transformer_blocks:
            y = block(y, context)
        return x + self.proj_out(y.transpose(1, 2).reshape(b, c, h, w))


class Downsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.op = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x, emb, context):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x, emb, context):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class FirstConv(nn.Conv2d):
    def forward(self, x, emb=None, context=None):
        return super().forward(x)


class Stage(nn.ModuleList):
    """One entry of input_blocks / output_blocks: its layers run in order on (x, emb, context)."""

    def forward(self, x, emb, context):
        for layer in self:
            x = layer(x, emb, context)
        return x


class Encoder(nn.Module):
    """The time embedding, input blocks and middle block the UNet and the ControlNet share."""

    def __init__(self, in_channels, width, heads, context_width, groups):
        super().__init__()
        self.width = width
        self.time_embed = nn.Sequential(nn.Linear(width, width * 4), nn.SiLU(), nn.Linear(width * 4, width * 4))
        embedding = width * 4
        self.input_blocks = nn.ModuleList([Stage([FirstConv(in_channels, width, 3, padding=1)])])
        self.skip_channels = [width]
        channels = width
        for level, mult in enumerate(LEVELS):
            for _ in range(RES_BLOCKS):
                layers = [ResBlock(channels, width * mult, embedding, groups)]
                channels = width * mult
                if level < len(LEVELS) - 1:  # attention at the first three levels
                    layers.append(SpatialTransformer(channels, context_width, heads, groups))
                self.input_blocks.append(Stage(layers))
                self.skip_channels.append(channels)
            if level < len(LEVELS) - 1:
                self.input_blocks.append(Stage([Downsample(channels)]))
                self.skip_channels.append(channels)
        self.middle_block = Stage([ResBlock(channels, channels, embedding, groups),
                                   SpatialTransformer(channels, context_width, heads, groups),
                                   ResBlock(channels, channels, embedding, groups)])
        self.channels = channels

    def embedding(self, timesteps):
        return self.time_embed(timestep_features(timesteps, self.width))


class UNet(Encoder):
    def __init__(self, in_channels, width, heads, context_width, groups):
        super().__init__(in_channels, width, heads, context_width, groups)
        embedding = width * 4
        skips = list(self.skip_channels)
        channels = self.channels
        self.output_blocks = nn.ModuleList()
        for level in reversed(range(len(LEVELS))):
            for i in range(RES_BLOCKS + 1):
                layers = [ResBlock(channels + skips.pop(), width * LEVELS[level], embedding, groups)]
                channels = width * LEVELS[level]
                if level < len(LEVELS) - 1:
                    layers.append(SpatialTransformer(channels, context_width, heads, groups))
                if level > 0 and i == RES_BLOCKS:
                    layers.append(Upsample(channels))
                self.output_blocks.append(Stage(layers))
        self.out = nn.Sequential(nn.GroupNorm(groups, width), nn.SiLU(), nn.Conv2d(width, 4, 3, padding=1))

    def forward(self, x, timesteps, context, control=None):
        """The predicted noise; control: 12 skip residuals and the middle one, as a ControlNet gives them."""
        emb = self.embedding(timesteps)
        skips = []
        h = x
        for stage in self.input_blocks:
            h = stage(h, emb, context)
            skips.append(h)
        h = self.middle_block(h, emb, context)
        if control is not None:
            h = h + control[-1]
        for k, stage in enumerate(self.output_blocks):
            skip = skips.pop()
            if control is not None:
                skip = skip + control[len(skips)]
            h = stage(torch.cat([h, skip], dim=1), emb, context)
        return self.out(h)


class ControlNet(Encoder):
    def __init__(self, width, heads, context_width, groups, hint_channels=3):
        super().__init__(4, width, heads, context_width, groups)
        widths = [hint_channels, 16, 16, 32, 32, 96, 96, 256]
        layers = []
        for k in range(7):
            layers += [nn.Conv2d(widths[k], widths[k + 1], 3, padding=1, stride=2 if k in (2, 4, 6) else 1), nn.SiLU()]
        layers.append(nn.Conv2d(256, width, 3, padding=1))
        self.input_hint_block = nn.Sequential(*layers)
        self.zero_convs = nn.ModuleList([nn.Sequential(nn.Conv2d(c, c, 1)) for c in self.skip_channels])
        self.middle_block_out = nn.Sequential(nn.Conv2d(self.channels, self.channels, 1))

    def forward(self, x, hint, timesteps, context):
        """13 residuals: one after each input block, then the middle block's."""
        emb = self.embedding(timesteps)
        guide = self.input_hint_block(hint)
        residuals = []
        h = x
        for k, stage in enumerate(self.input_blocks):
            h = stage(h, emb, context)
            if k == 0:
                h = h + guide
            residuals.append(self.zero_convs[k](h))
        h = self.middle_block(h, emb, context)
        residuals.append(self.middle_block_out(h))
        return residuals


# ---- the VAE ----

class VaeResnet(nn.Module):
    def __init__(self, channels, out_channels, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, channels, eps=1e-6)
        self.conv1 = nn.Conv2d(channels, out_channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, out_channels, eps=1e-6)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        if channels != out_channels:
            self.nin_shortcut = nn.Conv2d(channels, out_channels, 1)

    def forward(self, x):
        h = self.conv2(F.silu(self.norm2(self.conv1(F.silu(self.norm1(x))))))
        return (self.nin_shortcut(x) if hasattr(self, "nin_shortcut") else x) + h


class VaeAttention(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.q, self.k, self.v = (nn.Conv2d(channels, channels, 1) for _ in range(3))
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.norm(x)
        q = self.q(y).reshape(b, c, h * w).transpose(1, 2)
        k = self.k(y).reshape(b, c, h * w)
        v = self.v(y).reshape(b, c, h * w).transpose(1, 2)
        weights = torch.softmax(q @ k * c ** -0.5, dim=-1)
        return x + self.proj_out((weights @ v).transpose(1, 2).reshape(b, c, h, w))


class VaeMiddle(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.block_1 = VaeResnet(channels, channels, groups)
        self.attn_1 = VaeAttention(channels, groups)
        self.block_2 = VaeResnet(channels, channels, groups)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class VaeDown(nn.Module):
    """Stride-2 convolution after padding one pixel on the right and bottom only."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class VaeUp(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class VaeEncoder(nn.Module):
    def __init__(self, width, groups):
        super().__init__()
        self.conv_in = nn.Conv2d(3, width, 3, padding=1)
        self.down = nn.ModuleList()
        channels = width
        for level, mult in enumerate(LEVELS):
            stage = nn.Module()
            stage.block = nn.ModuleList()
            for _ in range(RES_BLOCKS):
                stage.block.append(VaeResnet(channels, width * mult, groups))
                channels = width * mult
            if level < len(LEVELS) - 1:
                stage.downsample = VaeDown(channels)
            self.down.append(stage)
        self.mid = VaeMiddle(channels, groups)
        self.norm_out = nn.GroupNorm(groups, channels, eps=1e-6)
        self.conv_out = nn.Conv2d(channels, 8, 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for stage in self.down:
            for block in stage.block:
                h = block(h)
            if hasattr(stage, "downsample"):
                h = stage.downsample(h)
        return self.conv_out(F.silu(self.norm_out(self.mid(h))))


class VaeDecoder(nn.Module):
    def __init__(self, width, groups):
        super().__init__()
        channels = width * LEVELS[-1]
        self.conv_in = nn.Conv2d(4, channels, 3, padding=1)
        self.mid = VaeMiddle(channels, groups)
        stages = []
        for level in reversed(range(len(LEVELS))):
            stage = nn.Module()
            stage.block = nn.ModuleList()
            for _ in range(RES_BLOCKS + 1):
                stage.block.append(VaeResnet(channels, width * LEVELS[level], groups))
                channels = width * LEVELS[level]
            if level > 0:
                stage.upsample = VaeUp(channels)
            stages.insert(0, stage)  # up[0] is the finest level, run last
        self.up = nn.ModuleList(stages)
        self.norm_out = nn.GroupNorm(groups, width, eps=1e-6)
        self.conv_out = nn.Conv2d(width, 3, 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for stage in reversed(self.up):
            for block in stage.block:
                h = block(h)
            if hasattr(stage, "upsample"):
                h = stage.upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class Autoencoder(nn.Module):
    def __init__(self, width, groups):
        super().__init__()
        self.encoder = VaeEncoder(width, groups)
        self.decoder = VaeDecoder(width, groups)
        self.quant_conv = nn.Conv2d(8, 8, 1)
        self.post_quant_conv = nn.Conv2d(4, 4, 1)

    def moments(self, image):
        """Mean and log-variance of the latent distribution, stacked on the channels."""
        return self.quant_conv(self.encoder(image))

    def decode(self, z):
        """Unscaled latents to the decoder's raw output."""
        return self.decoder(self.post_quant_conv(z))


# ---- the CLIP text encoder ----

class TextAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(width, width) for _ in range(4))

    def forward(self, x, mask):
        b, n, width = x.shape
        split = lambda t: t.reshape(b, n, self.heads, width // self.heads).transpose(1, 2)
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        weights = torch.softmax(q @ k.transpose(-1, -2) * (width // self.heads) ** -0.5 + mask, dim=-1)
        return self.out_proj((weights @ v).transpose(1, 2).reshape(b, n, width))


class TextLayer(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.self_attn = TextAttention(width, heads)
        self.layer_norm1 = nn.LayerNorm(width)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(width, width * 4)
        self.mlp.fc2 = nn.Linear(width * 4, width)
        self.layer_norm2 = nn.LayerNorm(width)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        h = self.mlp.fc1(self.layer_norm2(x))
        return x + self.mlp.fc2(h * torch.sigmoid(1.702 * h))  # quick GELU


class TextEncoder(nn.Module):
    def __init__(self, width, layers, heads, vocab, positions):
        super().__init__()
        self.embeddings = nn.Module()
        self.embeddings.token_embedding = nn.Embedding(vocab, width)
        self.embeddings.position_embedding = nn.Embedding(positions, width)
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([TextLayer(width, heads) for _ in range(layers)])
        self.final_layer_norm = nn.LayerNorm(width)

    def forward(self, ids, clip_skip=1):
        """The last layer's states through the final norm; clip_skip 2: the layer before's."""
        n = ids.shape[1]
        x = self.embeddings.token_embedding(ids) + self.embeddings.position_embedding.weight[:n]
        mask = torch.full((n, n), float("-inf")).triu(1)
        layers = self.encoder.layers
        for layer in layers[:len(layers) - (clip_skip - 1)]:
            x = layer(x, mask)
        return self.final_layer_norm(x)


TEXT_IGNORED = ("embeddings.position_ids",)
