"""More than one worker: Ray Train's TorchTrainer runs the same loop in `workers` processes (one per GPU, or CPU
workers with gloo), data-parallel with DistributedDataParallel, or with the weights sharded over the workers
(FSDP, `sharding: "fsdp"`, see sharding.py). Rank 0 writes metrics.jsonl, status.json and the
checkpoints into output_dir, which every worker must see (one machine, or shared storage on a cluster).

A lost worker makes Ray Train restart the group (up to `max_failures` times); the loop then resumes from the
newest checkpoint. A stop (SIGTERM/SIGINT to this driver, e.g. `ray job stop`) is passed to the workers as a file
in output_dir; they checkpoint and return `stopped`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import TrainConfig
from .stopping import StopRequest


def _train_loop_per_worker(loop_config: dict[str, Any]) -> None:
    import ray.train
    import ray.train.torch

    from .training import Trainer
    from .worker import Worker

    cfg = TrainConfig.model_validate(loop_config["config"])
    driver_pid = int(loop_config["driver_pid"])
    context = ray.train.get_context()
    worker = Worker(
        rank=context.get_world_rank(),
        world_size=context.get_world_size(),
        device=ray.train.torch.get_device(),
        sharding=cfg.sharding,
    )
    outcome = Trainer(cfg, worker, StopRequest(Path(cfg.output_dir)), status_pid=driver_pid).run()
    ray.train.report({"state": outcome.state, "step": outcome.step})


def run_with_ray_train(cfg: TrainConfig, stop: StopRequest) -> None:
    import os

    import ray
    from ray.train import FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    if os.environ.get("RAY_ADDRESS"):
        ray.init()  # a Ray job: join the job's cluster
    else:
        # Run by hand or by the local backend: a private local instance, never a cluster that happens to run here.
        ray.init(address="local", include_dashboard=False)
    stop.install()  # after ray.init, which may set its own handlers: a stop must reach our workers as a checkpoint
    use_gpu = cfg.gpus_per_worker > 0
    resources = {"GPU": cfg.gpus_per_worker, "CPU": 1} if use_gpu else {"CPU": 1}
    trainer = TorchTrainer(
        _train_loop_per_worker,
        train_loop_config={"config": cfg.model_dump(), "driver_pid": os.getpid()},
        scaling_config=ScalingConfig(num_workers=cfg.workers, use_gpu=use_gpu, resources_per_worker=resources),
        run_config=RunConfig(
            name="pixtune",
            storage_path=str((Path(cfg.output_dir) / "ray").resolve()),
            failure_config=FailureConfig(max_failures=cfg.max_failures),
        ),
    )
    try:
        trainer.fit()
    finally:
        ray.shutdown()
