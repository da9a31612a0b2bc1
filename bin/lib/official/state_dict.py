"""Writes the OpenAI-layout state dict that the official TagCLIP code loads (``clip.load(PATH)``) from a Hugging Face
CLIP folder (``model.safetensors`` in F32 and ``config.json``), so that both implementations run the same weights.

    /usr/bin/python3 bin/lib/official/state_dict.py HF_FOLDER OUT.pt

The name mapping is the one in docs/algorithm.md: q/k/v projections are concatenated into ``in_proj``, the two
projections are transposed, everything else is renamed.
"""
import json
import struct
import sys

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        header_length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_length))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {entry['dtype']}, only F32 is read")
        begin, end = entry["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[begin:end], dtype="<f4").reshape(entry["shape"]).copy())
    return tensors


def tower(hf, prefix, layers, out_prefix):
    out = {}
    for i in range(layers):
        src = f"{prefix}.encoder.layers.{i}"
        dst = f"{out_prefix}transformer.resblocks.{i}"
        for part in ("weight", "bias"):
            out[f"{dst}.attn.in_proj_{part}"] = torch.cat(
                [hf[f"{src}.self_attn.{p}_proj.{part}"] for p in ("q", "k", "v")])
            out[f"{dst}.attn.out_proj.{part}"] = hf[f"{src}.self_attn.out_proj.{part}"]
            out[f"{dst}.ln_1.{part}"] = hf[f"{src}.layer_norm1.{part}"]
            out[f"{dst}.ln_2.{part}"] = hf[f"{src}.layer_norm2.{part}"]
            out[f"{dst}.mlp.c_fc.{part}"] = hf[f"{src}.mlp.fc1.{part}"]
            out[f"{dst}.mlp.c_proj.{part}"] = hf[f"{src}.mlp.fc2.{part}"]
    return out


def main(folder, target):
    config = json.load(open(f"{folder}/config.json"))
    hf = read_safetensors(f"{folder}/model.safetensors")
    sd = {
        "visual.conv1.weight": hf["vision_model.embeddings.patch_embedding.weight"],
        "visual.class_embedding": hf["vision_model.embeddings.class_embedding"],
        "visual.positional_embedding": hf["vision_model.embeddings.position_embedding.weight"],
        "visual.proj": hf["visual_projection.weight"].t().contiguous(),
        "token_embedding.weight": hf["text_model.embeddings.token_embedding.weight"],
        "positional_embedding": hf["text_model.embeddings.position_embedding.weight"],
        "text_projection": hf["text_projection.weight"].t().contiguous(),
        "logit_scale": hf["logit_scale"].reshape(()),
    }
    for part in ("weight", "bias"):
        sd[f"visual.ln_pre.{part}"] = hf[f"vision_model.pre_layrnorm.{part}"]
        sd[f"visual.ln_post.{part}"] = hf[f"vision_model.post_layernorm.{part}"]
        sd[f"ln_final.{part}"] = hf[f"text_model.final_layer_norm.{part}"]
    sd.update(tower(hf, "vision_model", config["vision_config"]["num_hidden_layers"], "visual."))
    sd.update(tower(hf, "text_model", config["text_config"]["num_hidden_layers"], ""))
    torch.save(sd, target)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: state_dict.py HF_FOLDER OUT.pt")
    main(sys.argv[1], sys.argv[2])
