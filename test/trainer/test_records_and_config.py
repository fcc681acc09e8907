"""Reading our JSONL as `prepare` writes it, and config validation: each bad input is one clear sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixtune_trainer.config import ConfigError, PredictConfig, TrainConfig, load_config
from pixtune_trainer.records import DataError, read_batch_requests, read_training_examples


def test_reads_prepared_lines_with_parts_lists_and_bom(tmp_path: Path) -> None:
    url = "data:image/png;base64,iVBORw0KGgo="
    lines = [
        {
            "messages": [
                {"role": "system", "content": "S"},
                {"role": "user", "content": [{"type": "text", "text": "T"}, {"type": "image_url", "image_url": url}]},
                {"role": "assistant", "content": '{"label": "a"}'},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]},
                {
                    "role": "assistant",
                    "content": [{"type": "text", "text": '{"label": '}, {"type": "text", "text": '"b"}'}],
                },
            ]
        },
    ]
    path = tmp_path / "train.jsonl"
    path.write_text("\ufeff" + "".join(json.dumps(x) + "\n" for x in lines) + "\n", encoding="utf-8")
    examples = read_training_examples([str(path)])
    assert [e.answer for e in examples] == ['{"label": "a"}', '{"label": "b"}']
    assert examples[0].prompt[1]["content"][1]["image_url"] == url
    assert all(m["role"] != "assistant" for e in examples for m in e.prompt)


def test_bad_data_is_named_by_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}\n{oops\n')
    with pytest.raises(DataError, match=r"train.jsonl line 2 is not JSON"):
        read_training_examples([str(path)])
    path.write_text('{"messages": [{"role": "user", "content": "x"}]}\n')
    with pytest.raises(DataError, match=r"line 1 does not end with an assistant message"):
        read_training_examples([str(path)])
    with pytest.raises(DataError, match=r"does not exist"):
        read_training_examples([str(tmp_path / "missing.jsonl")])
    (tmp_path / "b.jsonl").write_text('{"body": {"messages": [{"role": "user", "content": "x"}]}}\n')
    with pytest.raises(DataError, match=r"b.jsonl line 1 has no custom_id"):
        read_batch_requests(str(tmp_path / "b.jsonl"))


def test_config_defaults_are_mistral_names_and_bad_configs_say_why(tmp_path: Path) -> None:
    good = tmp_path / "c.json"
    good.write_text(json.dumps({"train_file": "t", "base_model": "m", "output_dir": "o", "epochs": 1}))
    cfg = load_config(str(good), TrainConfig)
    assert (cfg.learning_rate, cfg.weight_decay, cfg.warmup_fraction, cfg.max_seq_len) == (1e-4, 0.1, 0.05, 4096)
    assert (cfg.lora_rank, cfg.lora_alpha, cfg.lora_dropout, cfg.seed, cfg.resume, cfg.workers) == (
        16,
        32,
        0.05,
        42,
        True,
        1,
    )
    assert cfg.train_files == ["t"] and cfg.validation_files == []

    cases = {
        '{"train_file": "t", "base_model": "m", "output_dir": "o"}': "exactly one of epochs or max_steps",
        '{"train_file": "t", "base_model": "m", "output_dir": "o", "epochs": 1, "lr": 3}': "lr",
        '{"train_file": "t", "base_model": "m", "output_dir": "o", "max_steps": 0}': "max_steps",
        "{not json": "is not JSON",
    }
    for text, needle in cases.items():
        good.write_text(text)
        with pytest.raises(ConfigError, match=needle):
            load_config(str(good), TrainConfig)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "nope.json"), PredictConfig)
