"""Loads a Mistral vision model (HF id or local folder) and puts LoRA on its language model.

Mistral Small 3.x / Ministral 3 / Magistral are `Mistral3ForConditionalGeneration`; Pixtral-12B is
`LlavaForConditionalGeneration` with a Pixtral vision tower. Both keep the language model under
`model.language_model` and the vision tower under `model.vision_tower`, whose layers have modules of the same names
(q_proj, …, down_proj): LoRA targets are therefore matched on the full module path, not the short name.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import Any

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoConfig, LlavaForConditionalGeneration, Mistral3ForConditionalGeneration
from transformers.utils import logging as transformers_logging

from .config import TrainConfig
from .model_source import as_local_path, read_config, untrainable_form

# Our stderr is a log a user reads (and the job log on Ray): no per-load progress bars, no deprecation notice that
# PEFT triggers inside transformers on every run.
transformers_logging.disable_progress_bar()
warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)

# Attention and MLP projections of the language model's decoder layers only.
DEFAULT_LORA_TARGETS = r".*language_model\.layers\.\d+\.(self_attn\.(q|k|v|o)_proj|mlp\.(gate|up|down)_proj)"
MODEL_CLASSES: dict[str, Any] = {
    "mistral3": Mistral3ForConditionalGeneration,
    "llava": LlavaForConditionalGeneration,
}


# What a training needs from a hub repository: the transformers config and weights, and the Mistral tokenizer.
DOWNLOAD_PATTERNS = ["*.json", "*.safetensors", "tokenizer.model*"]
# Mistral's repositories often carry the same weights twice, once in their own format (consolidated.safetensors, for
# vLLM's mistral loader): transformers never reads it, and it would double the download (4.7 GB more for Ministral 3
# 3B, 25 GB for a Mistral-format-only repository that is then refused anyway).
SKIPPED_PATTERNS = ["consolidated*.safetensors"]


class ModelError(Exception):
    pass


def resolve_model_dir(base_model: str) -> Path:
    """A local folder as is; a Hugging Face id through the hub cache (downloaded once, when the machine can)."""
    local = as_local_path(base_model)  # the same reading as the capacity check's `env --model` (model_source.py)
    if local is not None:
        if local.is_dir():
            return local
        raise ModelError(f"base model folder {base_model} does not exist.")
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(base_model, allow_patterns=DOWNLOAD_PATTERNS, ignore_patterns=SKIPPED_PATTERNS))
    except Exception as e:
        raise ModelError(
            f"base model {base_model} could not be fetched from Hugging Face ({type(e).__name__}: {e})."
        ) from None


def pick_dtype(precision: str, device: torch.device) -> torch.dtype:
    if precision == "fp32":
        return torch.float32
    if precision == "bf16":
        return torch.bfloat16
    if precision == "fp16":
        return torch.float16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32  # CPUs: full precision (bf16 matmuls are slow or missing there)


def check_trainable_format(model_dir: Path) -> None:
    """Refuses, with the way out, a folder transformers cannot load or LoRA-train (the probe's rule: model_source)."""
    names = {p.name for p in model_dir.iterdir()} if model_dir.is_dir() else set()
    unfit = untrainable_form(names, read_config(model_dir / "config.json"), str(model_dir))
    if unfit:
        raise ModelError(unfit)
    if "config.json" not in names:
        raise ModelError(f"{model_dir} has no config.json: it is not a Hugging Face model folder.")


def load_base_model(model_dir: Path, dtype: torch.dtype, device: torch.device, load_in_4bit: bool) -> Any:
    check_trainable_format(model_dir)
    config = AutoConfig.from_pretrained(str(model_dir))
    model_class = MODEL_CLASSES.get(config.model_type)
    if model_class is None:
        raise ModelError(
            f"{model_dir} is a {config.model_type!r} model; the trainer takes Mistral vision models "
            "(mistral3: Mistral Small 3.x, Ministral 3, Magistral; llava with a Pixtral tower: Pixtral-12B)."
        )
    kwargs: dict[str, Any] = {"dtype": dtype}
    if load_in_4bit:
        if device.type != "cuda":
            raise ModelError("load_in_4bit needs a CUDA GPU (bitsandbytes); this worker has none.")
        if importlib.util.find_spec("bitsandbytes") is None:
            raise ModelError("load_in_4bit needs the bitsandbytes package (pip install bitsandbytes).")
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype
        )
        kwargs["device_map"] = {"": device}
    model = model_class.from_pretrained(str(model_dir), **kwargs)
    if not load_in_4bit:
        model.to(device)
    return model


def add_lora(model: Any, cfg: TrainConfig) -> Any:
    if cfg.load_in_4bit:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    lora = LoraConfig(
        r=cfg.lora_rank,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=cfg.lora_target_regex or DEFAULT_LORA_TARGETS,
        bias="none",
        task_type="CAUSAL_LM",
    )
    # get_peft_model freezes every base weight: the vision tower, projector, embeddings and head stay as loaded.
    return get_peft_model(model, lora)


def load_with_adapter(base: Any, adapter_dir: str | None) -> Any:
    if adapter_dir is None:
        return base
    if not (Path(adapter_dir) / "adapter_config.json").is_file():
        raise ModelError(f"adapter folder {adapter_dir} has no adapter_config.json.")
    return PeftModel.from_pretrained(base, adapter_dir)


def trainable_summary(model: Any) -> tuple[int, int]:
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total
