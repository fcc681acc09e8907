"""The training loop: LoRA on the language model, AdamW, linear warm-up then cosine decay, gradient accumulation,
data-parallel over `worker.world_size` processes. Everything that changes the result is a function of the
config and the step number (data order, learning rate, RNG restored from the checkpoint), so a run resumed from a
checkpoint continues exactly as an uninterrupted one would."""

from __future__ import annotations

import math
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from peft import set_peft_model_state_dict
from safetensors.torch import load_file

from . import checkpoints as ckpt
from .batching import answer_token_stats, training_batch
from .config import TrainConfig
from .modeling import add_lora, load_base_model, pick_dtype, resolve_model_dir, trainable_summary
from .progress import MetricsFile, StatusFile, Stopwatch, emit_event, log
from .records import TrainingExample, read_training_examples
from .stopping import StopRequest
from .tokenization import EncodedExample, encode_example, load_tokenizer_file, resolve_tokenizer_file
from .worker import Worker, unwrap

CLIP_NORM = 1.0


@dataclass
class Outcome:
    state: str  # "succeeded" | "stopped"
    step: int
    adapter_dir: Path | None


class DataOrder:
    """Example index at a global position: epoch e is a permutation of the training set seeded by (seed, e)."""

    def __init__(self, n: int, seed: int) -> None:
        self.n, self.seed, self._cache = n, seed, {}

    def __getitem__(self, position: int) -> int:
        epoch = position // self.n
        if epoch not in self._cache:
            order = list(range(self.n))
            random.Random(self.seed * 1_000_003 + epoch).shuffle(order)
            self._cache = {epoch: order}
        return self._cache[epoch][position % self.n]


def total_steps(cfg: TrainConfig, n_train: int, world_size: int) -> int:
    if cfg.max_steps is not None:
        return cfg.max_steps
    per_step = cfg.batch_size * cfg.grad_accum * world_size
    return max(1, math.ceil((cfg.epochs or 1) * n_train / per_step))


def lr_factor(step: int, warmup: int, total: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


class Trainer:
    def __init__(self, cfg: TrainConfig, worker: Worker, stop: StopRequest, status_pid: int | None = None) -> None:
        """`status_pid`: the process status.json names (under Ray Train, the driver that a backend signals)."""
        self.cfg, self.worker, self.stop = cfg, worker, stop
        self.output_dir = Path(cfg.output_dir)
        self.checkpoints_dir = self.output_dir / "checkpoints"
        self.status = StatusFile(self.output_dir, pid=status_pid)

    @property
    def sharding(self) -> str:
        return "fsdp" if self.worker.sharded else "none"

    def _status(self, **fields: Any) -> None:
        if self.worker.is_main:
            self.status.update(**fields)

    def run(self) -> Outcome:
        cfg, worker = self.cfg, self.worker
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._status(state="starting", message="loading data and model")
        train = read_training_examples(cfg.train_files)
        valid = read_training_examples(cfg.validation_files)
        if not train:
            raise ValueError(f"the training file {cfg.train_files[0]} holds no examples.")
        model_dir = resolve_model_dir(cfg.base_model)
        self.tokenizer_file = resolve_tokenizer_file(model_dir, cfg.base_model, cfg.tokenizer)
        self.tokenizer = load_tokenizer_file(self.tokenizer_file)
        self.pad_id = self.tokenizer.instruct_tokenizer.tokenizer.pad_id
        self.dtype = pick_dtype(cfg.precision, worker.device)

        torch.manual_seed(cfg.seed)  # the same LoRA initialisation on every worker and every resume
        model = add_lora(load_base_model(model_dir, self.dtype, worker.load_device, cfg.load_in_4bit), cfg)
        trainable, total_params = trainable_summary(model)
        newest = ckpt.newest_checkpoint(self.checkpoints_dir) if cfg.resume else None
        state = ckpt.load_trainer_state(newest) if newest is not None else None
        if state is not None:
            if state.sharding != self.sharding:
                raise ValueError(
                    f"the checkpoint {newest} was written with sharding {state.sharding}; resume it with the same "
                    "sharding, or set resume to false to start over."
                )
            # The adapter goes in before wrapping: the whole weights, which FSDP then shards like the rest.
            set_peft_model_state_dict(model, load_file(str(newest / "adapter_model.safetensors")))
        # The optimizer is built on the wrapped model's parameters: FSDP replaces them with sharded ones.
        self.model = worker.wrap(model)
        params = [p for p in self.model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        steps = total_steps(cfg, len(train), worker.world_size)
        warmup = math.ceil(cfg.warmup_fraction * steps)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, warmup, steps))

        start_step, elapsed = 0, 0.0
        if state is not None:
            worker.load_optimizer_state(self.model, optimizer, state.optimizer)
            scheduler.load_state_dict(state.scheduler)
            ckpt.restore_rng(state.rng)
            start_step, elapsed = state.step, state.elapsed_seconds
            log(f"resuming from {newest} (step {start_step})")
        if worker.rank:
            # Other workers draw their own dropout masks; rank 0's RNG is the one checkpoints carry.
            torch.manual_seed(cfg.seed + 7919 * worker.rank + start_step)

        self.order = DataOrder(len(train), cfg.seed)
        self.train, self.valid = train, valid
        metrics = MetricsFile(self.output_dir, start_step) if worker.is_main else None
        clock = Stopwatch(offset=elapsed)
        self._status(state="running", step=start_step, total_steps=steps, message=None)
        if worker.is_main:
            emit_event(
                "started",
                total_steps=steps,
                resumed_from_step=start_step if newest else None,
                trainable_parameters=trainable,
                total_parameters=total_params,
                workers=worker.world_size,
                sharding=self.sharding,
            )
        log(
            f"{len(train)} training / {len(valid)} validation examples, {steps} steps, "
            f"{trainable:,} of {total_params:,} parameters trainable, {worker.world_size} worker(s) on {worker.device}"
        )

        step = start_step
        try:
            while step < steps:
                lr = scheduler.get_last_lr()[0]
                started = clock.elapsed()
                loss, tokens = self._train_step(step, optimizer)
                scheduler.step()
                step += 1
                loss_sum, token_sum = worker.sum([loss, float(tokens)])
                if not math.isfinite(loss_sum):
                    raise ValueError(
                        f"the training loss is not a number at step {step} "
                        "(lower learning_rate, or use precision bf16/fp32 instead of fp16)."
                    )
                row: dict[str, Any] = {
                    "step": step,
                    "epoch": round(step * cfg.batch_size * cfg.grad_accum * worker.world_size / len(train), 6),
                    "train_loss": loss_sum / worker.world_size,
                    "learning_rate": lr,
                    "tokens_per_second": token_sum / max(1e-9, clock.elapsed() - started),
                }
                if valid and ((cfg.eval_every and step % cfg.eval_every == 0) or step == steps):
                    row.update(self._evaluate())
                    if worker.is_main:
                        emit_event(
                            "evaluated", step=step, **{k: row[k] for k in ("valid_loss", "valid_mean_token_accuracy")}
                        )
                row["elapsed_seconds"] = clock.elapsed()
                if metrics is not None:
                    metrics.append(**row)
                    emit_event("step", **row)
                self._status(state="running", step=step)
                stopping = worker.any(self.stop.requested)
                if stopping or step == steps or (cfg.checkpoint_every and step % cfg.checkpoint_every == 0):
                    self._checkpoint(step, optimizer, scheduler, clock.elapsed())
                if stopping and step < steps:
                    self._status(state="stopped", step=step, message=f"stopped at step {step}; resumable")
                    return Outcome("stopped", step, None)
            adapter_dir = self._save_adapter()
            self._status(state="succeeded", step=step, adapter_dir=str(adapter_dir), message=None)
            if worker.is_main:
                emit_event("finished", state="succeeded", step=step, adapter_dir=str(adapter_dir))
            return Outcome("succeeded", step, adapter_dir)
        finally:
            if metrics is not None:
                metrics.close()

    def _examples(self, positions: range) -> list[EncodedExample]:
        data: list[TrainingExample] = [self.train[self.order[p]] for p in positions]
        return [encode_example(self.tokenizer, e, self.cfg.max_seq_len) for e in data]

    def _train_step(self, step: int, optimizer: torch.optim.Optimizer) -> tuple[float, int]:
        cfg, w = self.cfg, self.worker
        self.model.train()
        base = step * cfg.batch_size * cfg.grad_accum * w.world_size
        total_loss, tokens = 0.0, 0
        for micro in range(cfg.grad_accum):
            first = base + (micro * w.world_size + w.rank) * cfg.batch_size
            batch = training_batch(
                self._examples(range(first, first + cfg.batch_size)), self.pad_id, w.device, self.dtype
            )
            out = self.model(**batch)
            (out.loss / cfg.grad_accum).backward()
            total_loss += float(out.loss.detach()) / cfg.grad_accum
            tokens += int(batch["attention_mask"].sum())
        torch.nn.utils.clip_grad_norm_([p for p in self.model.parameters() if p.requires_grad], CLIP_NORM)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return total_loss, tokens

    @torch.no_grad()
    def _evaluate(self) -> dict[str, float]:
        """Loss and next-token accuracy over the answer tokens of the validation set (sharded over workers)."""
        model, w = unwrap(self.model), self.worker
        model.eval()
        loss_sum, correct, counted = 0.0, 0, 0
        mine = list(range(w.rank, len(self.valid), w.world_size))
        if w.sharded:  # every rank must run as many (collective) forward passes; repeats are not counted
            mine += [-1] * (-(-len(self.valid) // w.world_size) - len(mine))
        for index in mine:
            encoded = encode_example(self.tokenizer, self.valid[max(index, 0)], self.cfg.max_seq_len)
            batch = training_batch([encoded], self.pad_id, w.device, self.dtype)
            labels = batch.pop("labels")
            logits = model(**batch).logits.float()
            if index < 0:
                continue
            loss_sum += float(
                F.cross_entropy(
                    logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), reduction="sum"
                )
            )
            ok, n = answer_token_stats(logits, labels)
            correct, counted = correct + ok, counted + n
        loss_sum, correct, counted = w.sum([loss_sum, float(correct), float(counted)])
        return {"valid_loss": loss_sum / max(1.0, counted), "valid_mean_token_accuracy": correct / max(1.0, counted)}

    def _checkpoint(self, step: int, optimizer: Any, scheduler: Any, elapsed: float) -> None:
        # Both reads are collective under FSDP: every rank takes part, rank 0 gets the whole state.
        adapter = self.worker.adapter_weights(self.model)
        optimizer_state = self.worker.optimizer_state(self.model, optimizer)
        if self.worker.is_main:
            state = ckpt.TrainerState(
                step, elapsed, optimizer_state, scheduler.state_dict(), ckpt.capture_rng(), self.sharding
            )
            path = ckpt.save_checkpoint(self.checkpoints_dir, unwrap(self.model), state, adapter)
            emit_event("checkpoint", step=step, path=str(path))
        self.worker.barrier()

    def _save_adapter(self) -> Path:
        final = self.output_dir / "adapter"
        adapter = self.worker.adapter_weights(self.model)
        if self.worker.is_main:
            tmp = self.output_dir / ".adapter.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            unwrap(self.model).save_pretrained(str(tmp), state_dict=adapter)
            # The adapter carries the tokenizer it was trained with: predict (and whoever serves it) uses the same.
            shutil.copyfile(self.tokenizer_file, tmp / "tekken.json")
            shutil.rmtree(final, ignore_errors=True)
            tmp.rename(final)
        self.worker.barrier()
        return final
