"""Two data-parallel workers under Ray Train on CPU (gloo), in a private local Ray instance the trainer starts:
rank 0 writes the same files as a single process, status.json names the driver (the process a backend stops), and a
SIGTERM to the driver reaches the workers: they checkpoint, and a rerun resumes to the end."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from safetensors.torch import load_file

from conftest import read_jsonl, run_trainer, start_trainer, train_config, wait_for, write_config


def test_two_cpu_workers_train_data_parallel_stop_and_resume(
    tiny_mistral3: Path, toy_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    config = train_config(tiny_mistral3, toy_run, out, max_steps=40, batch_size=1, eval_every=40, workers=2)
    config_file = write_config(tmp_path / "c.json", config)
    proc = start_trainer("train", config_file)
    metrics = out / "metrics.jsonl"
    wait_for(lambda: metrics.exists() and len(metrics.read_text().splitlines()) >= 2, 300, "step 2", proc)
    status = json.loads((out / "status.json").read_text())
    assert status["state"] == "running" and status["pid"] == proc.pid, status
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 143, stderr[-4000:]
    status = json.loads((out / "status.json").read_text())
    stopped_at = status["step"]
    assert status["state"] == "stopped" and 2 <= stopped_at < 40, (status, stderr[-4000:])
    assert "world_size=2" in stderr or "worker group of size 2" in stderr

    resumed = run_trainer("train", config_file, timeout=400)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    # Ray prefixes worker lines in the job log (and may add colour codes): each event starts at its `{"event"`.
    logged = [json.loads(line[line.index('{"event"') :]) for line in resumed.stdout.splitlines() if '{"event"' in line]
    started = next(e for e in logged if e["event"] == "started")
    assert started["resumed_from_step"] == stopped_at and started["workers"] == 2
    rows = read_jsonl(metrics)
    assert [r["step"] for r in rows] == list(range(1, 41))  # one line per step, from rank 0 only
    assert abs(rows[0]["epoch"] - 2 / 24) < 1e-5  # each step consumed one example per worker
    assert "valid_loss" in rows[-1]
    status = json.loads((out / "status.json").read_text())
    assert status["state"] == "succeeded" and status["step"] == 40
    assert load_file(str(out / "adapter" / "adapter_model.safetensors"))
