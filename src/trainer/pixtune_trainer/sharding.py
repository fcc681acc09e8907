"""`sharding: "fsdp"`: each worker keeps 1/world_size of every weight (PyTorch FSDP2, `fully_shard`) instead of a
whole copy, so a model that does not fit one GPU fits the workers' GPUs together. Every decoder layer of the
language model and of the vision tower (the model's `_no_split_modules`) is its own shard group, gathered only
while it runs; the root group holds the rest (embeddings, projector, head).

FSDP2 keeps the PEFT module tree as it is (no wrapper class, same parameter names), and frozen base weights may
share a group with trainable LoRA weights. Gathering is collective: every rank calls the functions below in the
same order, and rank 0 gets the full tensors (other ranks get an empty dict)."""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_optimizer_state_dict,
    set_optimizer_state_dict,
)
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import fully_shard
from torch.distributed.tensor import DTensor

from .progress import log


def shard_model(model: Any, device: torch.device) -> Any:
    """Shards `model` (loaded whole on the CPU) over every rank; the local shards move to `device`."""
    mesh = init_device_mesh(device.type, (dist.get_world_size(),))
    layer_classes = set(getattr(model.get_base_model(), "_no_split_modules", None) or [])
    for module in list(model.modules()):
        if type(module).__name__ in layer_classes:
            fully_shard(module, mesh=mesh)
    fully_shard(model, mesh=mesh)
    local = sum(p.to_local().numel() if isinstance(p, DTensor) else p.numel() for p in model.parameters())
    total = sum(p.numel() for p in model.parameters())
    # One line from rank 0 for all of them: Ray folds lines that differ only in their numbers into one.
    held: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(held, local)
    if dist.get_rank() == 0:
        log(f"FSDP: the workers hold {' + '.join(f'{n:,}' for n in held)} of the model's {total:,} parameters")
    return model


def gather_trainable(model: Any, is_main: bool) -> dict[str, torch.Tensor]:
    """The full LoRA weights (every trainable parameter, by its PEFT name) on rank 0, on the CPU."""
    gathered: dict[str, torch.Tensor] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        full = param.full_tensor() if isinstance(param, DTensor) else param.detach()
        if is_main:
            gathered[name] = full.detach().cpu().clone()
    return gathered


def full_optimizer_state(model: Any, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """The optimizer state keyed by parameter name, gathered whole on rank 0 (empty elsewhere)."""
    return get_optimizer_state_dict(model, optimizer, options=StateDictOptions(full_state_dict=True, cpu_offload=True))


def load_full_optimizer_state(model: Any, optimizer: torch.optim.Optimizer, state: dict[str, Any]) -> None:
    """Every rank reads the same checkpoint file and keeps its own shard of each state tensor."""
    set_optimizer_state_dict(model, optimizer, state, options=StateDictOptions(full_state_dict=True))
