#!/usr/bin/env python3
"""Notebook-style baseline for bench/prepare.bench.ts, written the way the reference notebook does it:
one image at a time, open with PIL, resize by 1/2 with LANCZOS, save as JPEG, base64, keep every
record in a list in memory, write the JSONL at the end. No split logic, no hashing, no manifest.

Usage: /usr/bin/python3 bench/baseline_pil.py <dataset_root> <out.jsonl>
Prints one JSON line: {"images": n, "seconds": s, "max_rss_kb": k}."""
import base64
import io
import json
import resource
import sys
import time
from pathlib import Path

from PIL import Image


def encode_image_to_base64(image_path):
    image = Image.open(image_path)
    new_size = (image.width // 2, image.height // 2)
    image = image.resize(new_size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("utf-8")


def main():
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    start = time.perf_counter()
    data = []
    for d in sorted(root.iterdir()):
        if d.is_dir():
            data.extend({"label": d.name, "img_path": p} for p in sorted(d.iterdir()) if p.is_file())
    classes = sorted({x["label"] for x in data})
    system = "Classify the image into one of: " + "; ".join(classes) + "."
    records = []
    for x in data:
        img = encode_image_to_base64(x["img_path"])
        records.append({"messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": [{"type": "image_url", "image_url": img}]},
            {"role": "assistant", "content": json.dumps({"label": x["label"]})},
        ]})
    with open(out, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    seconds = time.perf_counter() - start
    print(json.dumps({"images": len(records), "seconds": seconds, "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
