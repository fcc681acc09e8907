"""`env --json [--model]`: what this machine offers, for the capacity check before a run (CONTRACT.md)."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def describe_environment(model: str | None = None) -> dict[str, Any]:
    """What the capacity check reads; with `model`, also whether this machine can load it (`model_source`)."""
    import torch

    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    memory = [round(torch.cuda.get_device_properties(i).total_memory / 2**30, 2) for i in range(gpus)]
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": _version("transformers"),
        "peft": _version("peft"),
        "mistral_common": _version("mistral-common"),
        "ray": _version("ray"),
        "cuda": torch.cuda.is_available(),
        "gpus": gpus,
        "gpu_memory_gb": memory,
        "gpu_names": [torch.cuda.get_device_name(i) for i in range(gpus)],
        "bf16": bool(gpus and torch.cuda.is_bf16_supported()),
        "bitsandbytes": _version("bitsandbytes") is not None,
    }
    if model is not None:
        from .model_source import check_model_source

        info["model_source"] = check_model_source(model)
    return info
