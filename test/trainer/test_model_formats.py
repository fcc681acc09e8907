"""Published Mistral weights come in forms the trainer must tell apart: transformers-format copies without a Mistral
tokenizer (mistral-community/pixtral-12b), Mistral's own format (mistralai/Pixtral-12B-2409: params.json +
consolidated.safetensors) and FP8 checkpoints (mistralai/Ministral-3-*-Instruct-2512). The first trains with the
tokenizer of the original; the other two are refused before any weight is read, with the repository to use."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import read_jsonl, trainer_env
from pixtune_trainer.config import PredictConfig, TrainConfig
from pixtune_trainer.modeling import ModelError, load_base_model
from pixtune_trainer.prediction import run_prediction
from pixtune_trainer.stopping import StopRequest
from pixtune_trainer.tokenization import TokenizerError, resolve_tokenizer_file
from pixtune_trainer.training import Trainer
from pixtune_trainer.worker import single_process_worker


def without_tokenizer(model_dir: Path, target: Path) -> Path:
    """The model folder as mistral-community/pixtral-12b ships it: everything but tekken.json."""
    target.mkdir()
    for f in model_dir.iterdir():
        if f.name != "tekken.json":
            (target / f.name).symlink_to(f)
    return target


def test_a_copy_without_tekken_trains_with_the_tokenizer_given_and_its_adapter_carries_it(
    tiny_llava: Path, toy_run: Path, tmp_path: Path
) -> None:
    bare = without_tokenizer(tiny_llava, tmp_path / "bare")
    cfg = TrainConfig(
        train_file=str(toy_run / "train.jsonl"),
        base_model=str(bare),
        output_dir=str(tmp_path / "out"),
        max_steps=1,
        tokenizer=str(tiny_llava / "tekken.json"),
    )
    outcome = Trainer(cfg, single_process_worker(), StopRequest()).run()
    assert outcome.state == "succeeded" and outcome.adapter_dir is not None
    carried = Path(outcome.adapter_dir) / "tekken.json"
    assert carried.read_bytes() == (tiny_llava / "tekken.json").read_bytes()

    # predict gets no tokenizer and the model folder has none: the adapter's copy is what makes it work.
    test_file = tmp_path / "one.batch.jsonl"
    test_file.write_text((toy_run / "test.batch.jsonl").read_text().splitlines(keepends=True)[0])
    predict = PredictConfig(
        test_file=str(test_file),
        base_model=str(bare),
        adapter_dir=str(outcome.adapter_dir),
        output_file=str(tmp_path / "p.jsonl"),
        max_new_tokens=2,
    )
    assert run_prediction(predict, StopRequest()) == 1
    assert [line["response"]["status_code"] for line in read_jsonl(tmp_path / "p.jsonl")] == [200]


def test_no_tokenizer_anywhere_says_how_to_give_one(tiny_mistral3: Path, tmp_path: Path) -> None:
    bare = without_tokenizer(tiny_mistral3, tmp_path / "bare")
    with pytest.raises(TokenizerError, match="tokenizer field"):
        resolve_tokenizer_file(bare, str(bare))
    with pytest.raises(TokenizerError, match="does not exist"):
        resolve_tokenizer_file(bare, str(bare), tokenizer=str(tmp_path / "missing" / "tekken.json"))
    assert resolve_tokenizer_file(bare, str(bare), tokenizer=str(tiny_mistral3)) == tiny_mistral3 / "tekken.json"


def _resolve_in_subprocess(model_dir: Path, base_model: str, hub_cache: Path) -> subprocess.CompletedProcess[str]:
    # huggingface_hub reads HF_HUB_CACHE when it is imported: a process of its own sees the prepared cache.
    code = (
        "import sys; from pathlib import Path; from pixtune_trainer.tokenization import resolve_tokenizer_file; "
        "print(resolve_tokenizer_file(Path(sys.argv[1]), sys.argv[2]))"
    )
    env = {**trainer_env(), "HF_HUB_CACHE": str(hub_cache), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-c", code, str(model_dir), base_model],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_pixtral_transformers_copy_takes_the_official_tokenizer(tiny_llava: Path, tmp_path: Path) -> None:
    bare = without_tokenizer(tiny_llava, tmp_path / "bare")
    hub = tmp_path / "hub"
    missing = _resolve_in_subprocess(bare, "mistral-community/pixtral-12b", hub)
    assert missing.returncode != 0 and "mistralai/Pixtral-12B-2409" in missing.stderr

    # The official repository's tekken.json in the Hugging Face cache layout (what a download leaves behind).
    repo = hub / "models--mistralai--Pixtral-12B-2409"
    snapshot = repo / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("a" * 40)
    shutil.copyfile(tiny_llava / "tekken.json", snapshot / "tekken.json")
    found = _resolve_in_subprocess(bare, "mistral-community/pixtral-12b", hub)
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()) == snapshot / "tekken.json"


def test_mistral_format_weights_are_refused_with_the_transformers_copy_named(tmp_path: Path) -> None:
    folder = tmp_path / "Pixtral-12B-2409"
    folder.mkdir()
    (folder / "params.json").write_text(json.dumps({"dim": 5120, "n_layers": 40}))
    (folder / "consolidated.safetensors").write_bytes(b"")
    with pytest.raises(ModelError, match="mistral-community/pixtral-12b"):
        load_base_model(folder, torch.float32, torch.device("cpu"), load_in_4bit=False)


def test_fp8_checkpoints_are_refused_with_the_bf16_repository_named(tiny_mistral3: Path, tmp_path: Path) -> None:
    fp8 = tmp_path / "fp8"
    fp8.mkdir()
    for f in tiny_mistral3.iterdir():
        if f.name != "config.json":
            (fp8 / f.name).symlink_to(f)
    config = json.loads((tiny_mistral3 / "config.json").read_text())
    config["quantization_config"] = {"quant_method": "fp8", "weight_block_size": [128, 128]}
    (fp8 / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="-BF16"):
        load_base_model(fp8, torch.float32, torch.device("cpu"), load_in_4bit=False)


def test_a_hub_download_takes_the_transformers_weights_and_tokenizer_but_not_the_mistral_format_copy() -> None:
    from huggingface_hub.utils import filter_repo_objects

    from pixtune_trainer.modeling import DOWNLOAD_PATTERNS, SKIPPED_PATTERNS

    # The file list of mistralai/Ministral-3-3B-Instruct-2512-BF16's kind of repository (both formats side by side).
    files = [
        ".gitattributes",
        "README.md",
        "SYSTEM_PROMPT.txt",
        "chat_template.jinja",
        "config.json",
        "consolidated.safetensors",
        "generation_config.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "model.safetensors.index.json",
        "params.json",
        "processor_config.json",
        "tekken.json",
        "tokenizer.json",
        "tokenizer_config.json",
    ]
    taken = set(filter_repo_objects(files, allow_patterns=DOWNLOAD_PATTERNS, ignore_patterns=SKIPPED_PATTERNS))
    assert "consolidated.safetensors" not in taken
    assert {"config.json", "model-00001-of-00002.safetensors", "model.safetensors.index.json", "tekken.json"} <= taken
