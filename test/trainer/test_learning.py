"""The proof that images reach the model and labels are learnt: on red vs blue tiles the trained tiny model's
predictions beat chance clearly while the untrained one does not. Also predict's output format and its resume."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from conftest import events, read_jsonl, run_trainer, train_config, write_config


def accuracy(predictions: Path, labels: dict[str, str]) -> float:
    """The test's own minimal answer check; the product parses answers in TypeScript (src/core/evaluation)."""
    correct = 0
    for line in read_jsonl(predictions):
        content = line["response"]["body"]["choices"][0]["message"]["content"]
        with contextlib.suppress(json.JSONDecodeError, AttributeError):
            correct += json.loads(content).get("label") == labels[line["custom_id"]]
    return correct / len(labels)


def predict(tmp_path: Path, model: Path, run: Path, adapter: Path | None, name: str, **extra: object) -> Path:
    output = tmp_path / f"{name}.jsonl"
    config = {
        "test_file": str(run / "test.batch.jsonl"),
        "base_model": str(model),
        "output_file": str(output),
        "adapter_dir": str(adapter) if adapter else None,
        "max_new_tokens": 12,
        **extra,
    }
    done = run_trainer("predict", write_config(tmp_path / f"{name}.json", config))
    assert done.returncode == 0, done.stderr[-3000:]
    return output


@pytest.fixture(scope="module")
def trained(tiny_mistral3: Path, toy_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("toy-train")
    config = train_config(tiny_mistral3, toy_run, tmp / "out", epochs=4, lora_dropout=0.0, eval_every=48)
    done = run_trainer("train", write_config(tmp / "c.json", config))
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp / "out"


def test_trained_model_beats_chance_and_untrained_does_not(
    trained: Path, tiny_mistral3: Path, toy_run: Path, tmp_path: Path
) -> None:
    labels = json.loads((toy_run / "labels.json").read_text())
    assert sorted(set(labels.values())) == ["blue", "red"] and len(labels) == 20  # chance: 0.5
    before = accuracy(predict(tmp_path, tiny_mistral3, toy_run, None, "untrained"), labels)
    after = accuracy(predict(tmp_path, tiny_mistral3, toy_run, trained / "adapter", "trained", batch_size=4), labels)
    print(f"toy red/blue accuracy: untrained {before:.2f}, trained {after:.2f}")
    assert before <= 0.6
    assert after >= 0.9
    final = read_jsonl(trained / "metrics.jsonl")[-1]
    assert final["valid_mean_token_accuracy"] >= 0.9


def test_predictions_are_mistral_batch_output_lines_and_resume(
    trained: Path, tiny_mistral3: Path, toy_run: Path, tmp_path: Path
) -> None:
    output = predict(tmp_path, tiny_mistral3, toy_run, trained / "adapter", "p", model_name="my-adapter")
    lines = read_jsonl(output)
    assert [line["custom_id"] for line in lines] == [str(i) for i in range(20)]
    first = lines[0]
    assert first["response"]["status_code"] == 200 and first["latency_ms"] > 0
    body = first["response"]["body"]
    assert body["model"] == "my-adapter"
    (choice,) = body["choices"]
    assert choice["index"] == 0 and choice["message"]["role"] == "assistant" and choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] and usage["prompt_tokens"] > 10

    # A run killed mid-way: 12 answers kept, the 13th cut mid-line. A rerun answers exactly the 8 missing ones.
    text = output.read_text().splitlines(keepends=True)
    output.write_text("".join(text[:12]) + text[12][:40])
    config = json.loads((tmp_path / "p.json").read_text())
    done = run_trainer("predict", write_config(tmp_path / "p.json", config))
    assert done.returncode == 0, done.stderr[-3000:]
    assert events(done.stdout)[-1] == {"event": "finished", "answered": 8, "total": 20, "stopped": False}

    def without_latency(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in row.items() if k != "latency_ms"} for row in rows]

    assert without_latency(read_jsonl(output)) == without_latency(lines)
