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


def test_reads_what_pixtune_prepare_writes(tmp_path: Path, tiny_mistral3: Path) -> None:
    """The real bytes: a folder-per-class dataset through `node dist/cli.js prepare` (the build npm test runs first),
    every line read and tokenised with its image."""
    import subprocess

    from PIL import Image

    from pixtune_trainer.tokenization import encode_example, encode_prompt, load_tokenizer

    cli = Path(__file__).resolve().parents[2] / "dist" / "cli.js"
    assert cli.is_file(), "dist/cli.js is missing: run `node esbuild.js` (npm test builds before the suites)"
    for label, colour in (("blue", (30, 60, 200)), ("red", (200, 30, 30))):
        (tmp_path / "data" / label).mkdir(parents=True)
        for i in range(5):
            Image.new("RGB", (64 + 16 * i, 64), colour).save(tmp_path / "data" / label / f"{label}_{i}.png")
    done = subprocess.run(
        [
            "node",
            str(cli),
            "prepare",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "run"),
            "--val",
            "0.2",
            "--test",
            "0.2",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    tokenizer = load_tokenizer(tiny_mistral3)
    examples = read_training_examples(
        [str(tmp_path / "run" / "train.jsonl"), str(tmp_path / "run" / "validation.jsonl")]
    )
    assert len(examples) == 8
    for example in examples:
        assert '"label": "blue"' in example.answer or '"label": "red"' in example.answer  # reference template
        assert len(encode_example(tokenizer, example, 4096).images) == 1
    requests = read_batch_requests(str(tmp_path / "run" / "test.batch.jsonl"))
    assert len(requests) == 2 and all(len(encode_prompt(tokenizer, r.messages).images) == 1 for r in requests)
