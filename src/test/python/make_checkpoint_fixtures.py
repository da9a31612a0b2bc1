#!/usr/bin/python3
"""Writes the PyTorch checkpoint fixtures under src/test/resources/checkpoints from the tiny model's safetensors.

Run once from the repository root with Debian's python3-torch (1.13):  /usr/bin/python3 src/test/python/make_checkpoint_fixtures.py
Nothing is downloaded: every tensor comes from src/test/resources/tagclip-tiny/model/model.safetensors, whose values
are all fp16 numbers, so the fp16 copies written here are lossless.

  hf/pytorch_model.bin    Hugging Face CLIPModel names, fp16, plus the int64 position_ids buffers (torch.save, zip)
  openai/tiny-ViT-B-16.pt OpenAI's names as a TorchScript archive (torch.jit.save of a scripted module), fp16,
                          laid out like OpenAI's released ViT-B-16.pt (fused in_proj, visual.proj [width, embed])
  open_clip/epoch_1.pt    an open_clip training checkpoint: {"epoch", "name", "state_dict"} with "module." prefixes
  views.bin               small tensors for the reader: dtypes, a transposed view, a storage offset, shared storage,
                          a Parameter, a scalar; views.json holds their values as nested lists
"""
import collections
import json
import os
import struct

import torch
from torch import nn

ROOT = os.path.join("src", "test", "resources")
MODEL = os.path.join(ROOT, "tagclip-tiny", "model", "model.safetensors")
OUT = os.path.join(ROOT, "checkpoints")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = collections.OrderedDict()
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(info["shape"]).clone()
        tensors[name] = t
    return tensors


def hf_to_openai(hf, layers_v, layers_t):
    sd = collections.OrderedDict()
    v = "vision_model."
    sd["visual.class_embedding"] = hf[v + "embeddings.class_embedding"]
    sd["visual.positional_embedding"] = hf[v + "embeddings.position_embedding.weight"]
    sd["visual.proj"] = hf["visual_projection.weight"].t().contiguous()
    sd["visual.conv1.weight"] = hf[v + "embeddings.patch_embedding.weight"]
    sd["visual.ln_pre.weight"] = hf[v + "pre_layrnorm.weight"]
    sd["visual.ln_pre.bias"] = hf[v + "pre_layrnorm.bias"]

    def blocks(src, dst, layers):
        for i in range(layers):
            s = "%sencoder.layers.%d." % (src, i)
            d = "%stransformer.resblocks.%d." % (dst, i)
            sd[d + "attn.in_proj_weight"] = torch.cat([hf[s + "self_attn.%s_proj.weight" % p] for p in "qkv"])
            sd[d + "attn.in_proj_bias"] = torch.cat([hf[s + "self_attn.%s_proj.bias" % p] for p in "qkv"])
            sd[d + "attn.out_proj.weight"] = hf[s + "self_attn.out_proj.weight"]
            sd[d + "attn.out_proj.bias"] = hf[s + "self_attn.out_proj.bias"]
            sd[d + "ln_1.weight"] = hf[s + "layer_norm1.weight"]
            sd[d + "ln_1.bias"] = hf[s + "layer_norm1.bias"]
            sd[d + "mlp.c_fc.weight"] = hf[s + "mlp.fc1.weight"]
            sd[d + "mlp.c_fc.bias"] = hf[s + "mlp.fc1.bias"]
            sd[d + "mlp.c_proj.weight"] = hf[s + "mlp.fc2.weight"]
            sd[d + "mlp.c_proj.bias"] = hf[s + "mlp.fc2.bias"]
            sd[d + "ln_2.weight"] = hf[s + "layer_norm2.weight"]
            sd[d + "ln_2.bias"] = hf[s + "layer_norm2.bias"]

    blocks(v, "visual.", layers_v)
    sd["visual.ln_post.weight"] = hf[v + "post_layernorm.weight"]
    sd["visual.ln_post.bias"] = hf[v + "post_layernorm.bias"]
    t = "text_model."
    sd["positional_embedding"] = hf[t + "embeddings.position_embedding.weight"]
    sd["text_projection"] = hf["text_projection.weight"].t().contiguous()
    sd["logit_scale"] = hf["logit_scale"].reshape(())
    blocks(t, "", layers_t)
    sd["token_embedding.weight"] = hf[t + "embeddings.token_embedding.weight"]
    sd["ln_final.weight"] = hf[t + "final_layer_norm.weight"]
    sd["ln_final.bias"] = hf[t + "final_layer_norm.bias"]
    return sd


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width, mlp, attn_mask=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, max(1, width // 64))
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(collections.OrderedDict(
            [("c_fc", nn.Linear(width, mlp)), ("gelu", QuickGELU()), ("c_proj", nn.Linear(mlp, width))]))
        self.ln_2 = nn.LayerNorm(width)
        self.attn_mask = attn_mask

    def forward(self, x):
        return x


class Transformer(nn.Module):
    def __init__(self, width, layers, mlp, attn_mask=None):
        super().__init__()
        self.width = width
        self.layers = layers
        self.resblocks = nn.Sequential(*[Block(width, mlp, attn_mask) for _ in range(layers)])

    def forward(self, x):
        return self.resblocks(x)


class Visual(nn.Module):
    def __init__(self, resolution, patch, width, layers, mlp, embed):
        super().__init__()
        self.input_resolution = resolution
        self.output_dim = embed
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.zeros(width))
        self.positional_embedding = nn.Parameter(torch.zeros((resolution // patch) ** 2 + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, mlp)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.zeros(width, embed))

    def forward(self, x):
        return self.conv1(x)


class Clip(nn.Module):
    def __init__(self, sd):
        super().__init__()
        vw = sd["visual.conv1.weight"].shape[0]
        patch = sd["visual.conv1.weight"].shape[-1]
        grid = round((sd["visual.positional_embedding"].shape[0] - 1) ** 0.5)
        vl = len({k.split(".")[3] for k in sd if k.startswith("visual.transformer.resblocks.")})
        tl = len({k.split(".")[2] for k in sd if k.startswith("transformer.resblocks.")})
        tw = sd["ln_final.weight"].shape[0]
        embed = sd["text_projection"].shape[1]
        ctx = sd["positional_embedding"].shape[0]
        self.context_length = ctx
        self.vocab_size = sd["token_embedding.weight"].shape[0]
        self.visual = Visual(patch * grid, patch, vw, vl, sd["visual.transformer.resblocks.0.mlp.c_fc.weight"].shape[0],
                             embed)
        mask = torch.empty(ctx, ctx).fill_(float("-inf")).triu_(1)
        self.transformer = Transformer(tw, tl, sd["transformer.resblocks.0.mlp.c_fc.weight"].shape[0], mask)
        self.token_embedding = nn.Embedding(self.vocab_size, tw)
        self.positional_embedding = nn.Parameter(torch.zeros(ctx, tw))
        self.ln_final = nn.LayerNorm(tw)
        self.text_projection = nn.Parameter(torch.zeros(tw, embed))
        self.logit_scale = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return self.visual(x) * self.logit_scale.exp()


def views():
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 8
    shared = torch.arange(6, dtype=torch.float32) - 2.5
    tensors = collections.OrderedDict()
    tensors["f32"] = base
    tensors["f16"] = (base - 0.75).half()
    tensors["bf16"] = (base * 3 + 0.125).to(torch.bfloat16)
    tensors["i64"] = torch.arange(5, dtype=torch.int64).reshape(1, 5) * 1000000007
    tensors["transposed"] = base.t()
    tensors["offset"] = base[1:, 1:3]
    tensors["shared_a"] = shared[:4]
    tensors["shared_b"] = shared[2:].reshape(2, 2)
    tensors["scalar"] = torch.tensor(4.60546875)
    tensors["parameter"] = nn.Parameter(torch.tensor([[1.5, -2.0]]))
    return tensors


def main():
    torch.manual_seed(0)
    hf = read_safetensors(MODEL)
    layers_v = len({k.split(".")[3] for k in hf if k.startswith("vision_model.encoder.layers.")})
    layers_t = len({k.split(".")[3] for k in hf if k.startswith("text_model.encoder.layers.")})

    os.makedirs(os.path.join(OUT, "hf"), exist_ok=True)
    bin_sd = collections.OrderedDict()
    for name, t in hf.items():
        bin_sd[name] = t.half()
        if name == "text_model.embeddings.position_embedding.weight":
            bin_sd["text_model.embeddings.position_ids"] = torch.arange(t.shape[0]).unsqueeze(0)
        if name == "vision_model.embeddings.position_embedding.weight":
            bin_sd["vision_model.embeddings.position_ids"] = torch.arange(t.shape[0]).unsqueeze(0)
    bin_sd["logit_scale"] = bin_sd["logit_scale"].reshape(())
    torch.save(bin_sd, os.path.join(OUT, "hf", "pytorch_model.bin"))

    sd = hf_to_openai(hf, layers_v, layers_t)
    model = Clip(sd)
    missing, unexpected = model.load_state_dict(sd, strict=True)
    model = model.half().eval()
    os.makedirs(os.path.join(OUT, "openai"), exist_ok=True)
    torch.jit.save(torch.jit.script(model), os.path.join(OUT, "openai", "tiny-ViT-B-16.pt"))

    os.makedirs(os.path.join(OUT, "open_clip"), exist_ok=True)
    wrapped = collections.OrderedDict(("module." + k, v.half()) for k, v in sd.items())
    torch.save({"epoch": 1, "name": "tiny-vit-b-16", "state_dict": wrapped},
               os.path.join(OUT, "open_clip", "epoch_1.pt"))

    tensors = views()
    torch.save(tensors, os.path.join(OUT, "views.bin"))
    with open(os.path.join(OUT, "views.json"), "w") as f:
        json.dump({k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                       "values": v.detach().float().tolist() if v.dtype != torch.int64 else v.tolist()}
                   for k, v in tensors.items()}, f, indent=1)
        f.write("\n")

    # the checks the Java tests rely on
    loaded = torch.jit.load(os.path.join(OUT, "openai", "tiny-ViT-B-16.pt")).state_dict()
    for k, v in sd.items():
        assert torch.equal(loaded[k].float(), v), k
    for k, v in torch.load(os.path.join(OUT, "hf", "pytorch_model.bin")).items():
        assert k.endswith("position_ids") or torch.equal(v.float(), hf[k].reshape(v.shape)), k


if __name__ == "__main__":
    main()
