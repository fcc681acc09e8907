"""predict's resume asks again what failed (an error line is not an answer), and it reads a test batch written in
parts (test_file as a list, as `prepare --max-file-mb` writes it)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import read_jsonl
from pixtune_trainer.config import PredictConfig
from pixtune_trainer.prediction import answered_ids, run_prediction
from pixtune_trainer.stopping import StopRequest


def _first_lines(toy_run: Path, n: int) -> list[str]:
    return (toy_run / "test.batch.jsonl").read_text().splitlines(keepends=True)[:n]


def test_resume_retries_failed_requests_only(tiny_mistral3: Path, toy_run: Path, tmp_path: Path) -> None:
    lines = _first_lines(toy_run, 2)
    ids = [json.loads(line)["custom_id"] for line in lines]
    test_file = tmp_path / "two.batch.jsonl"
    test_file.write_text("".join(lines))
    out = tmp_path / "p.jsonl"
    # The first request failed in an earlier run, the second was answered.
    failed = {"custom_id": ids[0], "response": None, "error": {"message": "RuntimeError: CUDA out of memory"}}
    answered = {"custom_id": ids[1], "response": {"status_code": 200, "body": {"choices": []}}}
    out.write_text(json.dumps(failed) + "\n" + json.dumps(answered) + "\n")
    assert answered_ids(out) == {ids[1]}

    cfg = PredictConfig(test_file=str(test_file), base_model=str(tiny_mistral3), output_file=str(out), max_new_tokens=2)
    assert run_prediction(cfg, StopRequest()) == 1
    records = read_jsonl(out)
    assert [r["custom_id"] for r in records] == [ids[0], ids[1], ids[0]]
    assert records[-1]["response"]["status_code"] == 200
    assert answered_ids(out) == set(ids)


def test_predict_reads_every_part_of_a_split_test_batch(tiny_mistral3: Path, toy_run: Path, tmp_path: Path) -> None:
    lines = _first_lines(toy_run, 3)
    parts = [tmp_path / "test.batch.part-001.jsonl", tmp_path / "test.batch.part-002.jsonl"]
    parts[0].write_text("".join(lines[:2]))
    parts[1].write_text(lines[2])
    out = tmp_path / "p.jsonl"
    cfg = PredictConfig(
        test_file=[str(p) for p in parts], base_model=str(tiny_mistral3), output_file=str(out), max_new_tokens=2
    )
    assert run_prediction(cfg, StopRequest()) == 3
    assert [r["custom_id"] for r in read_jsonl(out)] == [json.loads(line)["custom_id"] for line in lines]
