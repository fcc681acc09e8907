"""The train and predict configurations of CONTRACT.md, validated at the boundary (pydantic)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ConfigError(Exception):
    """A config file that is missing, not JSON, or not valid: one sentence for status.json and the user."""


class TrainConfig(BaseModel):
    # Unknown fields are refused so that a misspelt hyperparameter is not silently ignored.
    model_config = ConfigDict(extra="forbid")

    # A list is accepted too: `prepare --max-file-mb` writes train.part-NNN.jsonl files.
    train_file: str | list[str]
    validation_file: str | list[str] | None = None
    base_model: str
    output_dir: str
    epochs: float | None = Field(default=None, gt=0)
    max_steps: int | None = Field(default=None, gt=0)
    learning_rate: float = Field(default=1e-4, gt=0)
    weight_decay: float = Field(default=0.1, ge=0)
    warmup_fraction: float = Field(default=0.05, ge=0, lt=1)
    max_seq_len: int = Field(default=4096, gt=0)
    lora_rank: int = Field(default=16, gt=0)
    lora_alpha: float = Field(default=32, gt=0)
    lora_dropout: float = Field(default=0.05, ge=0, lt=1)
    batch_size: int = Field(default=1, gt=0)
    grad_accum: int = Field(default=1, gt=0)
    precision: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    load_in_4bit: bool = False
    seed: int = 42
    checkpoint_every: int = Field(default=0, ge=0)
    eval_every: int = Field(default=0, ge=0)
    resume: bool = True
    workers: int = Field(default=1, gt=0)
    gpus_per_worker: float = Field(default=0, ge=0)
    # Additions to the contract: the LoRA targets (a regex over full module paths, language model only by
    # default) and how many times Ray Train restarts a run after a lost worker.
    lora_target_regex: str | None = None
    max_failures: int = Field(default=2, ge=0)
    # The Mistral tokenizer when the model folder has none (a tekken.json file, a folder, or a Hugging Face repo id).
    tokenizer: str | None = None
    # "fsdp": the workers shard the model's weights (PyTorch FSDP) instead of each holding a whole copy (DDP).
    sharding: Literal["none", "fsdp"] = "none"

    @model_validator(mode="after")
    def _one_length(self) -> TrainConfig:
        if (self.epochs is None) == (self.max_steps is None):
            raise ValueError("give exactly one of epochs or max_steps")
        if self.sharding == "fsdp" and self.workers < 2:
            raise ValueError("sharding fsdp needs at least 2 workers (one worker holds the whole model anyway)")
        if self.sharding == "fsdp" and self.load_in_4bit:
            raise ValueError("sharding fsdp does not take load_in_4bit (4-bit weights cannot be sharded here)")
        return self

    @property
    def train_files(self) -> list[str]:
        return [self.train_file] if isinstance(self.train_file, str) else list(self.train_file)

    @property
    def validation_files(self) -> list[str]:
        if self.validation_file is None:
            return []
        return [self.validation_file] if isinstance(self.validation_file, str) else list(self.validation_file)


class PredictConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A list is accepted too: every part of a test batch written in parts (test.batch.part-NNN.jsonl), in order.
    test_file: str | list[str]
    base_model: str
    adapter_dir: str | None = None
    output_file: str
    max_new_tokens: int = Field(default=96, gt=0)
    batch_size: int = Field(default=1, gt=0)
    # Additions: the model name written in each response body, and the precision to load with.
    model_name: str | None = None
    precision: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    load_in_4bit: bool = False
    tokenizer: str | None = None


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


T = TypeVar("T", bound=BaseModel)


def load_config(path: str, kind: type[T]) -> T:
    """Reads and validates a config file; raises ConfigError with one sentence saying what is wrong."""
    p = Path(path)
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"config file {path} cannot be read ({e}).") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"config file {path} is not JSON (line {e.lineno}: {e.msg}).") from None
    try:
        return kind.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(f"config file {path} is not valid: {_first_error(e)}.") from None
