"""Two data-parallel workers under Ray Train on CPU (gloo), in a private local Ray instance the trainer starts:
rank 0 writes the same files as a single process, and status.json names the driver (the process a backend stops)."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors.torch import load_file

from conftest import read_jsonl, start_trainer, train_config, write_config


def test_two_cpu_workers_train_data_parallel(tiny_mistral3: Path, toy_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = train_config(tiny_mistral3, toy_run, out, max_steps=3, batch_size=1, eval_every=3, workers=2)
    proc = start_trainer("train", write_config(tmp_path / "c.json", config))
    stdout, stderr = proc.communicate(timeout=400)
    assert proc.returncode == 0, stderr[-4000:]

    rows = read_jsonl(out / "metrics.jsonl")
    assert [r["step"] for r in rows] == [1, 2, 3]  # one line per step, from rank 0 only
    assert abs(rows[0]["epoch"] - 2 / 24) < 1e-5  # each step consumed one example per worker
    assert "valid_loss" in rows[-1]
    status = json.loads((out / "status.json").read_text())
    assert status["state"] == "succeeded" and status["step"] == 3 and status["pid"] == proc.pid
    assert load_file(str(out / "adapter" / "adapter_model.safetensors"))
    assert "world_size=2" in stderr or "worker group of size 2" in stderr
    assert '"event": "finished"' in stdout  # rank 0's events reach the job log (Ray prefixes worker lines)
