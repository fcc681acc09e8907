"""`sharding: "fsdp"`: two CPU workers under Ray Train (gloo) shard the tiny Mistral3's weights with FSDP instead of
each holding a copy. The run must train exactly as one process accumulating the same two examples per step does
(no dropout, so nothing random differs), save the LoRA adapter in the same PEFT files, and resume from a
checkpoint to the same weights as a run that was never interrupted."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import Mistral3ForConditionalGeneration

from conftest import read_jsonl, run_trainer, train_config, write_config
from pixtune_trainer.config import ConfigError, TrainConfig, load_config

STEPS = 4


def _config(model: Path, run: Path, out: Path, **overrides: Any) -> dict[str, Any]:
    # batch 1 per worker x 2 workers consumes the same examples per step as 1 process x batch 1 x grad_accum 2.
    base = {"max_steps": STEPS, "batch_size": 1, "lora_dropout": 0.0, "checkpoint_every": 2, "eval_every": STEPS}
    return train_config(model, run, out, **{**base, **overrides})


def _events(stdout: str) -> list[dict[str, Any]]:
    # Ray prefixes worker lines (and may add colour codes): each event starts at its `{"event"`.
    return [json.loads(line[line.index('{"event"') :]) for line in stdout.splitlines() if '{"event"' in line]


@pytest.fixture(scope="module")
def fsdp_run(tiny_mistral3: Path, toy_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One uninterrupted sharded run, shared by the tests below (a Ray Train start costs most of a test's time)."""
    tmp = tmp_path_factory.mktemp("fsdp")
    out = tmp / "out"
    config = _config(tiny_mistral3, toy_run, out, workers=2, sharding="fsdp")
    done = run_trainer("train", write_config(tmp / "c.json", config), timeout=400)
    assert done.returncode == 0, done.stderr[-4000:]
    return {"out": out, "config": config, "stdout": done.stdout, "stderr": done.stderr}


def test_fsdp_shards_the_weights_and_trains_as_one_process_would(
    fsdp_run: dict[str, Any], tiny_mistral3: Path, toy_run: Path, tmp_path: Path
) -> None:
    out: Path = fsdp_run["out"]
    started = next(e for e in _events(fsdp_run["stdout"]) if e["event"] == "started")
    assert started["workers"] == 2 and started["sharding"] == "fsdp"
    # Each worker holds half of the parameters, not a copy of all of them.
    found = re.search(r"the workers hold ([\d,]+) \+ ([\d,]+) of the model's ([\d,]+) parameters", fsdp_run["stderr"])
    assert found, fsdp_run["stderr"][-3000:]
    first, second, total = (int(n.replace(",", "")) for n in found.groups())
    assert first + second == total and abs(first - second) <= 4096, found.group(0)

    reference = tmp_path / "single"
    config = _config(tiny_mistral3, toy_run, reference, workers=1, grad_accum=2)
    single = run_trainer("train", write_config(tmp_path / "single.json", config))
    assert single.returncode == 0, single.stderr[-4000:]
    sharded_rows, single_rows = read_jsonl(out / "metrics.jsonl"), read_jsonl(reference / "metrics.jsonl")
    assert [r["step"] for r in sharded_rows] == list(range(1, STEPS + 1))
    for a, b in zip(sharded_rows, single_rows, strict=True):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-4), (a, b)
    assert sharded_rows[-1]["valid_loss"] == pytest.approx(single_rows[-1]["valid_loss"], rel=1e-4)
    assert sharded_rows[-1]["train_loss"] < sharded_rows[0]["train_loss"]

    # The adapter: the same PEFT files as an unsharded run, whole weights (not one worker's half), loadable.
    sharded = load_file(str(out / "adapter" / "adapter_model.safetensors"))
    unsharded = load_file(str(reference / "adapter" / "adapter_model.safetensors"))
    assert sorted(sharded) == sorted(unsharded) and sharded
    for key, value in unsharded.items():
        assert sharded[key].shape == value.shape
        torch.testing.assert_close(sharded[key], value, rtol=1e-4, atol=1e-5)
    assert json.loads((out / "adapter" / "adapter_config.json").read_text())["r"] == 16
    base = Mistral3ForConditionalGeneration.from_pretrained(str(tiny_mistral3))
    model = PeftModel.from_pretrained(base, str(out / "adapter"))
    loaded = {n: p for n, p in model.named_parameters() if "lora_B" in n}
    assert loaded and all(p.abs().sum() > 0 for p in loaded.values())  # trained lora_B, not the zero init


def test_fsdp_resumes_from_a_checkpoint_to_the_uninterrupted_weights(
    fsdp_run: dict[str, Any], tiny_mistral3: Path, toy_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(fsdp_run["out"], out)
    # As if the run had been lost after the step-2 checkpoint: the later checkpoint and the adapter never written.
    shutil.rmtree(out / "checkpoints" / f"step-{STEPS}")
    shutil.rmtree(out / "adapter")
    shutil.rmtree(out / "ray", ignore_errors=True)
    state = torch.load(out / "checkpoints" / "step-2" / "trainer_state.pt", weights_only=False)
    assert state["sharding"] == "fsdp" and state["optimizer"]["state"]  # the whole optimizer state, by name

    config = {**fsdp_run["config"], "output_dir": str(out)}
    resumed = run_trainer("train", write_config(tmp_path / "c.json", config), timeout=400)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    started = next(e for e in _events(resumed.stdout) if e["event"] == "started")
    assert started["resumed_from_step"] == 2
    assert [r["step"] for r in read_jsonl(out / "metrics.jsonl")] == list(range(1, STEPS + 1))
    uninterrupted = load_file(str(fsdp_run["out"] / "adapter" / "adapter_model.safetensors"))
    again = load_file(str(out / "adapter" / "adapter_model.safetensors"))
    for key, value in uninterrupted.items():
        torch.testing.assert_close(again[key], value, rtol=1e-5, atol=1e-6)


def test_a_sharded_checkpoint_is_not_resumed_unsharded(fsdp_run: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(fsdp_run["out"], out)
    config = {**fsdp_run["config"], "output_dir": str(out), "workers": 1, "sharding": "none", "max_steps": 6}
    failed = run_trainer("train", write_config(tmp_path / "c.json", config))
    assert failed.returncode == 1
    status = json.loads((out / "status.json").read_text())
    assert status["state"] == "failed" and "written with sharding fsdp" in status["error"], status


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"workers": 1}, "needs at least 2 workers"), ({"workers": 2, "load_in_4bit": True}, "load_in_4bit")],
)
def test_fsdp_config_refuses_what_it_cannot_shard(tmp_path: Path, overrides: dict[str, Any], message: str) -> None:
    config = {"train_file": "t.jsonl", "base_model": "m", "output_dir": "o", "max_steps": 1, "sharding": "fsdp"}
    path = write_config(tmp_path / "c.json", {**config, **overrides})
    with pytest.raises(ConfigError, match=message):
        load_config(str(path), TrainConfig)
