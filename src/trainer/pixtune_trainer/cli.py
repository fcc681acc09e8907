"""`python -m pixtune_trainer train|predict|env` (CONTRACT.md). Exit 0 on success, 1 on a failure (status.json and
an `error` event say why, in one sentence), 130/143 when stopped by SIGINT/SIGTERM after a checkpoint."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from .config import ConfigError, PredictConfig, TrainConfig, load_config
from .progress import StatusFile, emit_event, log
from .stopping import STOP_FILE, StopRequest

EXPECTED_ERRORS = ("DataError", "TokenizerError", "ModelError", "ConfigError", "ValueError", "FileNotFoundError")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pixtune_trainer",
        description="LoRA fine-tuning of Mistral vision models on Pixtune's prepared JSONL (see CONTRACT.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser(
        "train", help="train a LoRA adapter; writes metrics.jsonl, status.json, checkpoints, adapter/"
    )
    train.add_argument("--config", required=True, help="train config JSON")
    predict = sub.add_parser("predict", help="answer test.batch.jsonl in the Mistral Batch output format")
    predict.add_argument("--config", required=True, help="predict config JSON")
    env = sub.add_parser("env", help="versions, CUDA and GPUs of this machine")
    env.add_argument("--json", action="store_true", help="one JSON document")
    env.add_argument("--model", help="a base model (hub id or folder): also report whether this machine can load it")
    return parser


def _describe(error: BaseException) -> str:
    if type(error).__name__ in EXPECTED_ERRORS:
        return str(error)
    text = str(error).strip()
    if type(error).__name__ in ("WorkerGroupError", "TrainingFailedError") and text:
        # Ray Train wraps a worker's exception in a traceback snippet whose last line is `pkg.mod.Error: message`.
        name, _, message = text.splitlines()[-1].strip().partition(": ")
        short = name.rsplit(".", 1)[-1]
        return message if short in EXPECTED_ERRORS else f"{short}: {message}"
    return f"{type(error).__name__}: {text}"


def _output_dir_of(config_path: str) -> Path | None:
    """Where to report a config that did not validate: its output_dir when that much can be read."""
    try:
        value = json.loads(Path(config_path).read_text(encoding="utf-8")).get("output_dir")
        return Path(value) if isinstance(value, str) and value else None
    except Exception:
        return None


def _fail(status: StatusFile | None, message: str) -> int:
    log(f"error: {message}")
    emit_event("error", message=message)
    if status is not None:
        status.update(state="failed", error=message, message="training failed")
    return 1


def train(config_path: str) -> int:
    try:
        cfg = load_config(config_path, TrainConfig)
    except ConfigError as e:
        out = _output_dir_of(config_path)
        status = None
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            status = StatusFile(out)
        return _fail(status, str(e))
    output_dir = Path(cfg.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / STOP_FILE).unlink(missing_ok=True)  # a stop request belongs to the run it stopped
    status = StatusFile(output_dir)
    # Missing inputs fail here, in one sentence, before torch is imported or Ray workers start.
    for data_file in cfg.train_files + cfg.validation_files:
        if not Path(data_file).is_file():
            return _fail(status, f"data file {data_file} does not exist.")
    # Signals, or the stop file a backend may write (the only way to reach Ray Train workers).
    stop = StopRequest(output_dir).install()
    try:
        if cfg.workers > 1:
            from .distributed import run_with_ray_train

            status.update(state="starting", message=f"starting {cfg.workers} Ray Train workers")
            run_with_ray_train(cfg, stop)
            final = json.loads(status.path.read_text(encoding="utf-8")).get("state")
            stopped = final == "stopped"
        else:
            from .training import Trainer
            from .worker import single_process_worker

            stopped = Trainer(cfg, single_process_worker(), stop).run().state == "stopped"
    except Exception as e:
        if type(e).__name__ not in EXPECTED_ERRORS:
            traceback.print_exc(file=sys.stderr)
        status.fields = json.loads(status.path.read_text(encoding="utf-8")) if status.path.exists() else status.fields
        return _fail(status, _describe(e))
    finally:
        stop.restore()
        (output_dir / STOP_FILE).unlink(missing_ok=True)
    if stopped:
        log("stopped after writing a checkpoint; run again with the same config to resume")
        emit_event("finished", state="stopped")
        return stop.exit_code
    return 0


def predict(config_path: str) -> int:
    try:
        cfg = load_config(config_path, PredictConfig)
        from .prediction import run_prediction

        stop = StopRequest().install()
        try:
            run_prediction(cfg, stop)
        finally:
            stop.restore()
        return stop.exit_code if stop.requested else 0
    except Exception as e:
        if type(e).__name__ not in EXPECTED_ERRORS:
            traceback.print_exc(file=sys.stderr)
        return _fail(None, _describe(e))


def environment(as_json: bool, model: str | None = None) -> int:
    from .environment import describe_environment

    info = describe_environment(model)
    if as_json:
        print(json.dumps(info))
    else:
        for key, value in info.items():
            print(f"{key}: {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "train":
        return train(args.config)
    if args.command == "predict":
        return predict(args.config)
    return environment(args.json, args.model)
