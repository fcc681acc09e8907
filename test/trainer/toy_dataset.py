"""A trivially separable two-class set (red vs blue tiles, with noise and varied sizes) written byte-for-byte in the
format `pixtune prepare` writes (src/core/training/jsonlRecords.ts): compact JSON, the data URL as a string."""

from __future__ import annotations

import base64
import io
import json
import random
from pathlib import Path

from PIL import Image

SYSTEM = (
    "Classify the image into exactly one of these classes: blue; red.\n"
    'Answer only with a JSON object {"label": "<class>"}.'
)
COLOURS = {"red": (200, 40, 40), "blue": (40, 60, 200)}


def tile_data_url(label: str, rng: random.Random, size: tuple[int, int]) -> str:
    base = COLOURS[label]
    img = Image.new("RGB", size)
    img.putdata([tuple(max(0, min(255, c + rng.randint(-40, 40))) for c in base) for _ in range(size[0] * size[1])])
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _user(url: str) -> dict:
    return {"role": "user", "content": [{"type": "image_url", "image_url": url}]}


def _line(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"


SIZES = [(32, 32), (48, 32), (32, 48), (48, 48)]


def write_toy_run(run_dir: Path, train: int = 24, validation: int = 6, test: int = 20, seed: int = 7) -> Path:
    """train.jsonl / validation.jsonl / test.batch.jsonl plus labels.json (custom_id → expected label)."""
    rng = random.Random(seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    labels = ["blue", "red"]

    def examples(n: int) -> list[tuple[str, str]]:
        return [(labels[i % 2], tile_data_url(labels[i % 2], rng, SIZES[(i // 2) % len(SIZES)])) for i in range(n)]

    for name, n in (("train.jsonl", train), ("validation.jsonl", validation)):
        with (run_dir / name).open("w", encoding="utf-8") as f:
            for label, url in examples(n):
                answer = json.dumps({"label": label})
                messages = [{"role": "system", "content": SYSTEM}, _user(url), {"role": "assistant", "content": answer}]
                f.write(_line({"messages": messages}))
    expected = {}
    with (run_dir / "test.batch.jsonl").open("w", encoding="utf-8") as f:
        for i, (label, url) in enumerate(examples(test)):
            expected[str(i)] = label
            f.write(
                _line({"custom_id": str(i), "body": {"messages": [{"role": "system", "content": SYSTEM}, _user(url)]}})
            )
    (run_dir / "labels.json").write_text(json.dumps(expected), encoding="utf-8")
    return run_dir
