"""The trainer as the backends run it (a separate process): the contract's files, stop and resume, errors."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from conftest import events, read_jsonl, run_trainer, start_trainer, train_config, wait_for, write_config

METRIC_FIELDS = {"step", "epoch", "train_loss", "learning_rate", "tokens_per_second", "elapsed_seconds"}


def test_train_writes_metrics_status_checkpoints_and_a_reloadable_adapter(
    tiny_mistral3: Path, toy_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    config = write_config(
        tmp_path / "c.json", train_config(tiny_mistral3, toy_run, out, max_steps=4, eval_every=2, checkpoint_every=3)
    )
    done = run_trainer("train", config)
    assert done.returncode == 0, done.stderr[-3000:]

    rows = read_jsonl(out / "metrics.jsonl")
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    for r in rows:
        assert set(r) >= METRIC_FIELDS, r
        evaluated = r["step"] % 2 == 0
        assert ("valid_loss" in r) == evaluated and ("valid_mean_token_accuracy" in r) == evaluated
        assert None not in r.values()
    assert rows[0]["learning_rate"] > 0 and rows[-1]["epoch"] == pytest.approx(4 * 2 / 24)

    status = json.loads((out / "status.json").read_text())
    assert status["state"] == "succeeded" and status["step"] == status["total_steps"] == 4
    assert status["adapter_dir"] == str(out / "adapter") and isinstance(status["pid"], int) and status["updated_at"]
    kinds = [e["event"] for e in events(done.stdout)]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert {"step", "checkpoint", "evaluated"} <= set(kinds)
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-3", "step-4"]

    # The adapter is PEFT's format, LoRA on the language model only, and reloads onto the base model.
    adapter_config = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert adapter_config["peft_type"] == "LORA" and adapter_config["r"] == 16
    weights = load_file(str(out / "adapter" / "adapter_model.safetensors"))
    assert weights and all("language_model.layers." in k and "vision_tower" not in k for k in weights)
    from peft import PeftModel
    from transformers import Mistral3ForConditionalGeneration

    base = Mistral3ForConditionalGeneration.from_pretrained(str(tiny_mistral3))
    ids = torch.tensor([[1, 3, 1000, 2000, 4]])
    before = base(input_ids=ids).logits
    reloaded = PeftModel.from_pretrained(base, str(out / "adapter")).eval()
    state = {k: v for k, v in reloaded.state_dict().items() if "lora_" in k}
    assert len(state) == len(weights)
    assert not torch.allclose(reloaded(input_ids=ids).logits, before)  # the trained B matrices are not zero


def _adapter(out: Path) -> dict[str, torch.Tensor]:
    return load_file(str(out / "adapter" / "adapter_model.safetensors"))


def _losses(out: Path) -> list[float]:
    return [r["train_loss"] for r in read_jsonl(out / "metrics.jsonl")]


@pytest.fixture(scope="module")
def uninterrupted(tiny_mistral3: Path, toy_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("uninterrupted")
    config = write_config(tmp / "c.json", train_config(tiny_mistral3, toy_run, tmp / "out", **RESUME_RUN))
    done = run_trainer("train", config)
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp / "out"


# Dropout on, so that resuming must restore the RNG too; checkpoints every 2 steps.
RESUME_RUN = {"max_steps": 8, "checkpoint_every": 2, "lora_dropout": 0.1, "seed": 5}


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_a_stopped_run_checkpoints_exits_and_resumes_to_the_same_result(
    how: str, uninterrupted: Path, tiny_mistral3: Path, toy_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    config = write_config(tmp_path / "c.json", train_config(tiny_mistral3, toy_run, out, **RESUME_RUN))
    proc = start_trainer("train", config)
    metrics = out / "metrics.jsonl"
    wait_for(lambda: metrics.exists() and len(metrics.read_text().splitlines()) >= 3, 120, "step 3", proc)
    proc.send_signal(getattr(signal, how))
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == (143 if how == "SIGTERM" else 130), stderr[-3000:]
    status = json.loads((out / "status.json").read_text())
    stopped_at = status["step"]
    assert status["state"] == "stopped" and 3 <= stopped_at < 8 and "resumable" in status["message"]
    assert (out / "checkpoints" / f"step-{stopped_at}" / "trainer_state.pt").is_file()
    assert events(stdout)[-1] == {"event": "finished", "state": "stopped"}
    if how == "SIGINT":
        return  # resuming is the same path for both signals; once is enough for the suite's time

    resumed = run_trainer("train", config)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert events(resumed.stdout)[0]["resumed_from_step"] == stopped_at
    assert [r["step"] for r in read_jsonl(metrics)] == list(range(1, 9))  # no step twice
    assert _losses(out) == pytest.approx(_losses(uninterrupted), abs=1e-6)
    expected = _adapter(uninterrupted)
    for name, tensor in _adapter(out).items():
        torch.testing.assert_close(tensor, expected[name], atol=1e-6, rtol=0)


def test_a_killed_worker_resumes_from_the_newest_complete_checkpoint(
    uninterrupted: Path, tiny_mistral3: Path, toy_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    config = write_config(tmp_path / "c.json", train_config(tiny_mistral3, toy_run, out, **RESUME_RUN))
    proc = start_trainer("train", config)
    wait_for(lambda: (out / "checkpoints" / "step-4" / "trainer_state.pt").is_file(), 120, "checkpoint 4", proc)
    proc.kill()  # no handler runs: the state a lost machine leaves
    proc.communicate(timeout=60)
    (out / "checkpoints" / ".step-99.tmp").mkdir()  # an unfinished checkpoint is never resumed from

    resumed = run_trainer("train", config)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert events(resumed.stdout)[0]["resumed_from_step"] >= 4
    assert [r["step"] for r in read_jsonl(out / "metrics.jsonl")] == list(range(1, 9))
    expected = _adapter(uninterrupted)
    for name, tensor in _adapter(out).items():
        torch.testing.assert_close(tensor, expected[name], atol=1e-6, rtol=0)


def test_failures_exit_1_with_status_saying_why(
    tiny_mistral3: Path, toy_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same entry point as `python -m pixtune_trainer`, called in this process (no process start per case).
    from pixtune_trainer.cli import main

    out = tmp_path / "out"
    missing = write_config(
        tmp_path / "m.json",
        train_config(tiny_mistral3, toy_run, out, max_steps=1, train_file=str(tmp_path / "nope.jsonl")),
    )
    assert main(["train", "--config", str(missing)]) == 1
    status = json.loads((out / "status.json").read_text())
    assert status["state"] == "failed" and status["error"] == f"data file {tmp_path / 'nope.jsonl'} does not exist."
    captured = capsys.readouterr()
    assert events(captured.out)[-1]["event"] == "error" and "Traceback" not in captured.err

    bad = write_config(tmp_path / "b.json", {**train_config(tiny_mistral3, toy_run, out, max_steps=1), "lora_rnak": 8})
    assert main(["train", "--config", str(bad)]) == 1
    status = json.loads((out / "status.json").read_text())
    assert status["state"] == "failed" and "lora_rnak" in status["error"]

    (tmp_path / "x.json").write_text("{")
    assert main(["train", "--config", str(tmp_path / "x.json")]) == 1
    assert "is not JSON" in events(capsys.readouterr().out)[-1]["message"]

    not_a_model = write_config(tmp_path / "n.json", train_config(tmp_path / "none", toy_run, out, max_steps=1))
    assert main(["train", "--config", str(not_a_model)]) == 1
    assert (
        json.loads((out / "status.json").read_text())["error"]
        == f"base model folder {tmp_path / 'none'} does not exist."
    )


def test_env_json_reports_versions_and_gpus(capsys: pytest.CaptureFixture[str]) -> None:
    from pixtune_trainer.cli import main

    assert main(["env", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {"python", "torch", "transformers", "peft", "cuda", "gpus", "gpu_memory_gb"} <= set(info)
    assert info["gpus"] == len(info["gpu_memory_gb"]) and info["cuda"] == torch.cuda.is_available()
