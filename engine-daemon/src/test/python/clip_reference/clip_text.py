"""OpenAI's CLIP text transformer (clip/model.py, unchanged) loaded from an SD 1.5 checkpoint's
Hugging Face CLIPTextModel keys, returning what SD 1.5 conditions on: the last hidden state after
ln_final, not the projected feature at the end token that CLIP.encode_text returns."""
import torch

from clip.model import CLIP

HF = "cond_stage_model.transformer.text_model."


def build(width, layers, heads, vocab, positions):
    """A CLIP whose text side has these sizes; its image side is a minimal ViT nobody calls
    (the constructor needs one)."""
    return CLIP(embed_dim=width, image_resolution=8, vision_layers=1, vision_width=64, vision_patch_size=8,
                context_length=positions, vocab_size=vocab, transformer_width=width, transformer_heads=heads,
                transformer_layers=layers).eval()


def openai_names(checkpoint, layers):
    """HF CLIPTextModel keys -> OpenAI CLIP names. nn.MultiheadAttention keeps q, k and v as one
    in_proj matrix, rows in that order."""
    t = {k[len(HF):]: v for k, v in checkpoint.items() if k.startswith(HF)}
    state = {
        "token_embedding.weight": t["embeddings.token_embedding.weight"],
        "positional_embedding": t["embeddings.position_embedding.weight"],
        "ln_final.weight": t["final_layer_norm.weight"],
        "ln_final.bias": t["final_layer_norm.bias"],
    }
    for n in range(layers):
        hf = "encoder.layers.%d." % n
        oa = "transformer.resblocks.%d." % n
        for kind in ("weight", "bias"):
            state[oa + "attn.in_proj_" + kind] = torch.cat(
                [t[hf + "self_attn.%s_proj.%s" % (p, kind)] for p in ("q", "k", "v")], 0)
            state[oa + "attn.out_proj." + kind] = t[hf + "self_attn.out_proj." + kind]
            state[oa + "ln_1." + kind] = t[hf + "layer_norm1." + kind]
            state[oa + "ln_2." + kind] = t[hf + "layer_norm2." + kind]
            state[oa + "mlp.c_fc." + kind] = t[hf + "mlp.fc1." + kind]
            state[oa + "mlp.c_proj." + kind] = t[hf + "mlp.fc2." + kind]
    return state


def load(model, checkpoint, layers):
    """Sets every text weight; fails if one is left at its random initial value."""
    state = openai_names(checkpoint, layers)
    missing, unexpected = model.load_state_dict(state, strict=False)
    text_missing = [k for k in missing if not k.startswith("visual.") and k not in ("text_projection", "logit_scale")]
    if text_missing or unexpected:
        raise ValueError("weights not mapped: %s %s" % (text_missing, unexpected))
    return model


@torch.no_grad()
def last_hidden_state(model, ids, clip_skip=1):
    """The first lines of CLIP.encode_text, stopping before its pooling and projection; with
    clip_skip > 1 the last clip_skip - 1 layers are left out (A1111's "clip skip")."""
    x = model.token_embedding(ids).type(model.dtype)
    x = x + model.positional_embedding.type(model.dtype)[: ids.shape[1]]
    x = x.permute(1, 0, 2)  # NLD -> LND
    blocks = model.transformer.resblocks
    x = blocks[: len(blocks) - (clip_skip - 1)](x)
    x = x.permute(1, 0, 2)  # LND -> NLD
    return model.ln_final(x).type(model.dtype)
