"""LoRA sits on the language model only (the vision tower has modules of the same names), and the Pixtral-12B
architecture (Llava with a Pixtral tower) trains and predicts through the same code."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from conftest import read_jsonl
from pixtune_trainer.config import PredictConfig, TrainConfig
from pixtune_trainer.modeling import add_lora, load_base_model
from pixtune_trainer.prediction import run_prediction
from pixtune_trainer.stopping import StopRequest
from pixtune_trainer.training import Trainer
from pixtune_trainer.worker import single_process_worker


def test_lora_targets_the_language_model_only(tiny_mistral3: Path) -> None:
    base = load_base_model(tiny_mistral3, torch.float32, torch.device("cpu"), load_in_4bit=False)
    vision_names = {n.rsplit(".", 1)[-1] for n, _ in base.model.vision_tower.named_modules()}
    assert {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"} <= vision_names
    cfg = TrainConfig(train_file="t", base_model=str(tiny_mistral3), output_dir="o", max_steps=1)
    model = add_lora(base, cfg)
    adapted = {n.rsplit(".lora_A", 1)[0] for n, _ in model.named_modules() if n.endswith(".lora_A")}
    assert len(adapted) == 2 * 7  # 2 layers x (q, k, v, o, gate, up, down)
    assert all(".language_model.layers." in n for n in adapted)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n and "language_model" in n for n in trainable)


def test_pixtral_12b_architecture_trains_and_predicts(tiny_llava: Path, toy_run: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(
        train_file=str(toy_run / "train.jsonl"),
        base_model=str(tiny_llava),
        output_dir=str(tmp_path / "out"),
        max_steps=2,
        batch_size=2,
        learning_rate=0.02,
    )
    outcome = Trainer(cfg, single_process_worker(), StopRequest()).run()
    assert outcome.state == "succeeded" and (tmp_path / "out" / "adapter" / "adapter_model.safetensors").is_file()
    losses = [r["train_loss"] for r in read_jsonl(tmp_path / "out" / "metrics.jsonl")]
    assert len(losses) == 2 and all(loss > 0 for loss in losses)

    test_file = tmp_path / "two.batch.jsonl"
    test_file.write_text("".join((toy_run / "test.batch.jsonl").read_text().splitlines(keepends=True)[:2]))
    predict = PredictConfig(
        test_file=str(test_file),
        base_model=str(tiny_llava),
        adapter_dir=str(outcome.adapter_dir),
        output_file=str(tmp_path / "p.jsonl"),
        max_new_tokens=4,
    )
    assert run_prediction(predict, StopRequest()) == 2
    assert [line["response"]["status_code"] for line in read_jsonl(tmp_path / "p.jsonl")] == [200, 200]


def test_gradient_accumulation_matches_the_larger_batch(tiny_mistral3: Path, toy_run: Path, tmp_path: Path) -> None:
    """batch 2 x accumulation 1 and batch 1 x accumulation 2 see the same examples per step; every toy answer has the
    same token count, so the mean losses, gradients and adapters agree (without dropout)."""
    from safetensors.torch import load_file

    adapters, losses = [], []
    for batch_size, grad_accum in ((2, 1), (1, 2)):
        out = tmp_path / f"b{batch_size}"
        cfg = TrainConfig(
            train_file=str(toy_run / "train.jsonl"),
            base_model=str(tiny_mistral3),
            output_dir=str(out),
            max_steps=3,
            batch_size=batch_size,
            grad_accum=grad_accum,
            lora_dropout=0.0,
            learning_rate=0.02,
        )
        assert Trainer(cfg, single_process_worker(), StopRequest()).run().state == "succeeded"
        adapters.append(load_file(str(out / "adapter" / "adapter_model.safetensors")))
        losses.append([r["train_loss"] for r in read_jsonl(out / "metrics.jsonl")])
    assert losses[0] == pytest.approx(losses[1], rel=1e-4)  # the reported loss is the step's mean either way
    assert adapters[0].keys() == adapters[1].keys()
    for name, tensor in adapters[0].items():
        torch.testing.assert_close(tensor, adapters[1][name], atol=1e-4, rtol=1e-3)
