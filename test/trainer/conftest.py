"""Session fixtures: a tiny Mistral3 and a tiny Llava/Pixtral model built from configs (random weights, a real
tekken tokenizer file), the red/blue toy run, and a helper that runs the trainer as the backends do: a separate
`python -m pixtune_trainer` process with src/trainer on PYTHONPATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAINER_DIR = ROOT / "src" / "trainer"
sys.path.insert(0, str(TRAINER_DIR))
sys.path.insert(0, str(Path(__file__).parent))

from tiny_models import build_tiny_model  # noqa: E402
from toy_dataset import write_toy_run  # noqa: E402


@pytest.fixture(scope="session")
def tiny_mistral3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-mistral3"), "mistral3")


@pytest.fixture(scope="session")
def tiny_llava(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-llava"), "llava")


@pytest.fixture(scope="session")
def toy_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy_run(tmp_path_factory.mktemp("toy-run"))


def trainer_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(TRAINER_DIR) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OMP_NUM_THREADS", "2")
    return env


def write_config(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def start_trainer(command: str, config_file: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pixtune_trainer", command, "--config", str(config_file)],
        env=trainer_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_trainer(command: str, config_file: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pixtune_trainer", command, "--config", str(config_file)],
        env=trainer_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def wait_for(predicate: Any, timeout: float, what: str, proc: subprocess.Popen[str] | None = None) -> None:
    """Polls durable state (a file) until `predicate()` holds; fails early if the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the trainer exited ({proc.returncode}) before {what}: {proc.stderr.read()[-2000:]}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def train_config(model: Path, run: Path, output_dir: Path, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "train_file": str(run / "train.jsonl"),
        "validation_file": str(run / "validation.jsonl"),
        "base_model": str(model),
        "output_dir": str(output_dir),
        "learning_rate": 0.02,
        "batch_size": 2,
    }
    config.update(overrides)
    return config
