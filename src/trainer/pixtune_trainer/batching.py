"""Turns encoded examples into model inputs. Images of different sizes in one batch are zero-padded to the largest
height and width; `image_sizes` tells the Pixtral tower each image's real size, so padding never becomes patches."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .tokenization import IGNORE_INDEX, EncodedExample


def image_inputs(images: list[np.ndarray], device: torch.device, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    if not images:
        return {}
    channels = images[0].shape[0]
    height = max(img.shape[1] for img in images)
    width = max(img.shape[2] for img in images)
    pixel_values = torch.zeros((len(images), channels, height, width), dtype=torch.float32)
    for i, img in enumerate(images):
        pixel_values[i, :, : img.shape[1], : img.shape[2]] = torch.from_numpy(img)
    sizes = torch.tensor([[img.shape[1], img.shape[2]] for img in images], dtype=torch.long)
    return {"pixel_values": pixel_values.to(device=device, dtype=dtype), "image_sizes": sizes.to(device)}


def training_batch(
    examples: list[EncodedExample], pad_id: int, device: torch.device, dtype: torch.dtype
) -> dict[str, Any]:
    """Right-padded input_ids / attention_mask / labels plus the batch's images, in order."""
    length = max(len(e.input_ids) for e in examples)
    input_ids = torch.full((len(examples), length), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), length), IGNORE_INDEX, dtype=torch.long)
    attention_mask = torch.zeros((len(examples), length), dtype=torch.long)
    for row, e in enumerate(examples):
        n = len(e.input_ids)
        input_ids[row, :n] = torch.tensor(e.input_ids)
        labels[row, :n] = torch.tensor(e.labels)
        attention_mask[row, :n] = 1
    batch: dict[str, Any] = {
        "input_ids": input_ids.to(device),
        "attention_mask": attention_mask.to(device),
        "labels": labels.to(device),
    }
    batch.update(image_inputs([img for e in examples for img in e.images], device, dtype))
    return batch


def prompt_batch(
    prompts: list[list[int]], images: list[np.ndarray], pad_id: int, device: torch.device, dtype: torch.dtype
) -> dict[str, Any]:
    """Left-padded prompts for generation (new tokens follow every prompt's last token)."""
    length = max(len(p) for p in prompts)
    input_ids = torch.full((len(prompts), length), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(prompts), length), dtype=torch.long)
    for row, p in enumerate(prompts):
        input_ids[row, length - len(p) :] = torch.tensor(p)
        attention_mask[row, length - len(p) :] = 1
    batch: dict[str, Any] = {"input_ids": input_ids.to(device), "attention_mask": attention_mask.to(device)}
    batch.update(image_inputs(images, device, dtype))
    return batch


def answer_token_stats(logits: torch.Tensor, labels: torch.Tensor) -> tuple[int, int]:
    """(correct, counted) next-token predictions on the answer tokens: the valid_mean_token_accuracy parts."""
    predicted = logits[:, :-1, :].argmax(dim=-1)
    target = labels[:, 1:]
    mask = target != IGNORE_INDEX
    return int((predicted[mask] == target[mask]).sum()), int(mask.sum())
