"""Pixtune's trainer: LoRA fine-tuning of Mistral vision models on our prepared JSONL (see ../CONTRACT.md)."""

__version__ = "0.1.0"
