"""One training process's place in the run: rank, world size, device and the few collectives the loop needs.
A single process is rank 0 of 1; under Ray Train, torch.distributed is already initialised (gloo on CPU, NCCL on
GPUs) and the model is wrapped in DistributedDataParallel, or sharded with FSDP (sharding.py) when `sharding` is
"fsdp". The state that checkpoints carry (LoRA weights, optimizer) is read through this class, because under FSDP
reading it is a collective that every rank takes part in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Worker:
    rank: int
    world_size: int
    device: torch.device
    sharding: str = "none"

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1 and dist.is_available() and dist.is_initialized()

    def sum(self, values: list[float]) -> list[float]:
        if not self.distributed:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self._collective_device())
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return t.tolist()

    def any(self, flag: bool) -> bool:
        return self.sum([1.0 if flag else 0.0])[0] > 0

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    @property
    def sharded(self) -> bool:
        return self.distributed and self.sharding == "fsdp"

    @property
    def load_device(self) -> torch.device:
        """Where the base model is loaded: whole on the CPU when it is sharded afterwards (it may not fit a GPU)."""
        return torch.device("cpu") if self.sharded else self.device

    def wrap(self, model: Any) -> Any:
        if self.sharded:
            from .sharding import shard_model

            return shard_model(model, self.device)
        if not self.distributed:
            return model
        ids = [self.device.index] if self.device.type == "cuda" else None
        return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def adapter_weights(self, model: Any) -> dict[str, torch.Tensor] | None:
        """The LoRA weights to save, whole, on rank 0; None when the PEFT model's own state dict is whole already."""
        if not self.sharded:
            return None
        from .sharding import gather_trainable

        return gather_trainable(model, self.is_main)

    def optimizer_state(self, model: Any, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
        if not self.sharded:
            return optimizer.state_dict()
        from .sharding import full_optimizer_state

        return full_optimizer_state(model, optimizer)

    def load_optimizer_state(self, model: Any, optimizer: torch.optim.Optimizer, state: dict[str, Any]) -> None:
        if not self.sharded:
            optimizer.load_state_dict(state)
            return
        from .sharding import load_full_optimizer_state

        load_full_optimizer_state(model, optimizer, state)

    def _collective_device(self) -> torch.device:
        return self.device if dist.get_backend() == "nccl" else torch.device("cpu")


def single_process_worker() -> Worker:
    device = torch.device("cuda:0") if torch.cuda.is_available() else torch.device("cpu")
    return Worker(rank=0, world_size=1, device=device)


def unwrap(model: Any) -> Any:
    return model.module if isinstance(model, torch.nn.parallel.DistributedDataParallel) else model
