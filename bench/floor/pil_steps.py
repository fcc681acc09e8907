#!/usr/bin/env python3
"""CPU cost per image of each step of the notebook baseline (bench/baseline_pil.py), one thread.

Usage: /usr/bin/python3 bench/floor/pil_steps.py <file> [<file> ...]
Prints one JSON line: milliseconds of CPU per image for decode, decode + LANCZOS ½, and the whole step
(decode + resize + JPEG q90 + base64)."""
import base64
import io
import json
import sys
import time

from PIL import Image


def decode(path):
    image = Image.open(path)
    image.load()


def decode_resize(path):
    image = Image.open(path)
    image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


def whole(path):
    image = Image.open(path)
    image = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    base64.b64encode(buffer.getvalue())


def cpu_ms(step, files):
    for path in files[:10]:  # warm the page cache and the library
        step(path)
    start = time.process_time()
    for path in files:
        step(path)
    return (time.process_time() - start) * 1000 / len(files)


files = sys.argv[1:]
print(json.dumps({name: cpu_ms(step, files) for name, step in [("decode", decode), ("decodeResize", decode_resize), ("whole", whole)]}))
