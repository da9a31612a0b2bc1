"""Runs the official TagCLIP classification loop (``classify.classify()`` of an unmodified checkout of
linyq2117/TagCLIP) on a split of image files, and prints one JSON line: images, seconds and CPU seconds of the image
loop (text features excluded, as the loop excludes them), torch's thread count, and the loop's time in first passes
and in CWR crop forwards. Nothing of the official code is changed: its module globals are set as its ``__main__``
block sets them, the loop's ``tqdm`` is replaced by a timing iterator, the model's ``encode_image_tagclip`` is timed,
and ``cwr`` (the last step of each image) is wrapped to keep each image's 20 VOC scores.

    /usr/bin/python3 bin/lib/official/classify_timed.py --official CHECKOUT --model OPENAI.pt --split SPLIT \
        --images DIR [--text-cache FILE] [--scores FILE]
"""
import argparse
import contextlib
import json
import os
import sys
import time
import types


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--official", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--split", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--text-cache")
    parser.add_argument("--scores")
    options = parser.parse_args()

    sys.path.insert(0, options.official)
    try:
        import ftfy  # noqa: F401
    except ImportError:
        # Debian packages no ftfy; the tokenizer only calls fix_text, which leaves the plain-ASCII prompts unchanged.
        sys.modules["ftfy"] = types.SimpleNamespace(fix_text=lambda text: text)
    import torch
    import clip
    import classify as official

    entries = [line.split() for line in open(options.split) if line.strip()]
    official.args = argparse.Namespace(dataset="voc2007", img_root=options.images, split_file=options.split,
                                       model_path=options.model, save_file=False)
    official.class_names = official.class_names_voc + official.BACKGROUND_CATEGORY_VOC
    official.NUM_CLASSES = len(official.class_names_voc)
    official.image_list = [image_file(options.images, entry[0]) for entry in entries]
    official.all_label_list = [entry[1:] for entry in entries]
    official.model_type = "clip"
    official.device = "cpu"
    # clip.load tries torch.jit.load on the open file first, which reads it to its end on this torch, then hands the
    # same file to torch.load: rewind it, so the state dict loads as it does where jit.load leaves the file alone.
    load = torch.load

    def load_from_start(file, *args, **kwargs):
        if hasattr(file, "seek"):
            file.seek(0)
        return load(file, *args, **kwargs)

    torch.load = load_from_start
    official.model, _ = clip.load(options.model, device="cpu")
    torch.load = load
    official.model.eval()

    if options.text_cache:
        encode = clip.encode_text_with_prompt_ensemble

        def cached(model, names, device):
            if os.path.exists(options.text_cache):
                return torch.load(options.text_cache)
            features = encode(model, names, device)
            torch.save(features, options.text_cache)
            return features

        clip.encode_text_with_prompt_ensemble = cached

    marks = []

    def timed(items):
        for item in items:
            marks.append((time.perf_counter(), time.process_time()))
            yield item
        marks.append((time.perf_counter(), time.process_time()))

    scores = []
    cwr = official.cwr

    def keeping_scores(*args):
        result = cwr(*args)
        scores.append([float(s) for s in result])
        return result

    # Where the loop's time goes: the first passes (attn_mask=1) and the CWR crops (a mask tensor), the rest is host work.
    spent = {"first_pass_seconds": 0.0, "crop_seconds": 0.0, "crops": 0}
    encode = official.model.encode_image_tagclip

    def timed_encode(image, h, w, attn_mask):
        start = time.perf_counter()
        out = encode(image, h, w, attn_mask=attn_mask)
        if isinstance(attn_mask, int):
            spent["first_pass_seconds"] += time.perf_counter() - start
        else:
            spent["crop_seconds"] += time.perf_counter() - start
            spent["crops"] += 1
        return out

    official.model.encode_image_tagclip = timed_encode
    official.tqdm = timed
    official.cwr = keeping_scores
    with contextlib.redirect_stdout(sys.stderr):
        official.classify()
    if options.scores:
        with open(options.scores, "w") as f:
            json.dump({name: s for name, s in zip(official.image_list, scores)}, f)
    print(json.dumps({
        "images": len(official.image_list),
        "seconds": marks[-1][0] - marks[0][0],
        "cpu_seconds": marks[-1][1] - marks[0][1],
        "torch_threads": torch.get_num_threads(),
        **spent,
    }))


def image_file(folder, image_id):
    for extension in (".jpg", ".png"):
        if os.path.exists(os.path.join(folder, image_id + extension)):
            return image_id + extension
    raise SystemExit(f"no {image_id}.jpg or {image_id}.png in {folder}")


if __name__ == "__main__":
    main()
