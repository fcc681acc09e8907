"""Tiny randomly initialised Mistral vision models, saved as local Hugging Face folders with a real Mistral tokenizer
file from the mistral-common wheel (no hub, no weights). Used by the pytest suite and by bench/trainer.bench.ts:

    python test/trainer/tiny_models.py <dir> [mistral3|llava]
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import mistral_common
import torch
from transformers import (
    LlavaConfig,
    LlavaForConditionalGeneration,
    Mistral3Config,
    Mistral3ForConditionalGeneration,
    MistralConfig,
    PixtralVisionConfig,
)

LM_HEAD_STD = 1.0
PROJECTOR_GAIN = 2.0
TEKKEN = Path(mistral_common.__file__).parent / "data" / "tekken_240911.json"  # Pixtral: 16 px patches, [IMG]=10


def _text_config() -> MistralConfig:
    return MistralConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=8,
        vocab_size=131072,
        max_position_embeddings=4096,
        tie_word_embeddings=False,
    )


def _vision_config() -> PixtralVisionConfig:
    return PixtralVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        head_dim=8,
        patch_size=16,
        image_size=1024,
    )


def build_tiny_model(target: Path, kind: str = "mistral3", seed: int = 0) -> Path:
    torch.manual_seed(seed)
    if kind == "mistral3":
        config = Mistral3Config(
            text_config=_text_config(),
            vision_config=_vision_config(),
            image_token_index=10,
            tie_word_embeddings=False,
            spatial_merge_size=1,
            vision_feature_layer=-1,
        )
        model = Mistral3ForConditionalGeneration(config)
    elif kind == "llava":
        config = LlavaConfig(
            text_config=_text_config(),
            vision_config=_vision_config(),
            image_token_index=10,
            tie_word_embeddings=False,
            projector_hidden_act="gelu",
            vision_feature_layer=-1,
            vision_feature_select_strategy="full",
        )
        model = LlavaForConditionalGeneration(config)
    else:
        raise ValueError(f"unknown tiny model kind {kind}")
    # The default initialisation (std 0.02) suits wide models, not 32-wide ones: the frozen lm_head could not give
    # any token a logit margin above ~0.6, and the projector's image features would be ~500x smaller than the text
    # embeddings, so no adapter could see the image. A trained model has neither problem; give both a usable scale.
    with torch.no_grad():
        model.lm_head.weight.normal_(0.0, LM_HEAD_STD)
        projector = model.model.multi_modal_projector
        for linear in (projector.linear_1, projector.linear_2):
            linear.weight.normal_(0.0, PROJECTOR_GAIN / linear.in_features**0.5)
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(target))
    shutil.copyfile(TEKKEN, target / "tekken.json")
    return target


if __name__ == "__main__":
    print(build_tiny_model(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "mistral3"))
