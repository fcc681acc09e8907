"""Checkpoints under output_dir/checkpoints/step-<N>/: the LoRA adapter (PEFT format) plus trainer_state.pt
(optimizer, scheduler, RNG, step, elapsed time, and the sharding that shaped the optimizer state: DDP keeps
torch's own format, FSDP the whole state keyed by parameter name). A checkpoint is written into a temp folder and
renamed when complete, so the newest `step-<N>` folder is always whole; only the newest few are kept."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

KEEP = 2
STATE_FILE = "trainer_state.pt"
_STEP_DIR = re.compile(r"^step-(\d+)$")


@dataclass
class TrainerState:
    step: int
    elapsed_seconds: float
    optimizer: dict[str, Any]
    scheduler: dict[str, Any]
    rng: dict[str, Any]
    sharding: str = "none"


def capture_rng() -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def newest_checkpoint(checkpoints_dir: Path) -> Path | None:
    best: tuple[int, Path] | None = None
    if not checkpoints_dir.is_dir():
        return None
    for child in checkpoints_dir.iterdir():
        m = _STEP_DIR.match(child.name)
        if m and (child / STATE_FILE).is_file() and (best is None or int(m.group(1)) > best[0]):
            best = (int(m.group(1)), child)
    return best[1] if best else None


def save_checkpoint(
    checkpoints_dir: Path, model: Any, state: TrainerState, adapter_weights: dict[str, Any] | None = None
) -> Path:
    """`model` is the PEFT model (unwrapped from DDP); `adapter_weights` its LoRA weights, gathered whole if sharded."""
    final = checkpoints_dir / f"step-{state.step}"
    tmp = checkpoints_dir / f".step-{state.step}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(str(tmp), state_dict=adapter_weights)
    torch.save(
        {
            "step": state.step,
            "elapsed_seconds": state.elapsed_seconds,
            "optimizer": state.optimizer,
            "scheduler": state.scheduler,
            "rng": state.rng,
            "sharding": state.sharding,
        },
        tmp / STATE_FILE,
    )
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    _prune(checkpoints_dir)
    return final


def load_trainer_state(checkpoint: Path) -> TrainerState:
    raw = torch.load(checkpoint / STATE_FILE, map_location="cpu", weights_only=False)
    return TrainerState(
        step=int(raw["step"]),
        elapsed_seconds=float(raw["elapsed_seconds"]),
        optimizer=raw["optimizer"],
        scheduler=raw["scheduler"],
        rng=raw["rng"],
        sharding=str(raw.get("sharding", "none")),  # checkpoints from before sharding existed are DDP ones
    )


def _prune(checkpoints_dir: Path) -> None:
    steps = sorted(
        (int(m.group(1)), child)
        for child in checkpoints_dir.iterdir()
        if (m := _STEP_DIR.match(child.name)) and (child / STATE_FILE).is_file()
    )
    for _, old in steps[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
