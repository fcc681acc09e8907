"""Tokenises with mistral-common, the tokenizer vLLM uses with `--tokenizer-mode mistral`, so that training and
serving see the same tokens, and images go through its image encoder (resize to the patch grid, normalise,
[IMG]/[IMG_BREAK]/[IMG_END] tokens).

The loss mask comes from encoding twice: the prompt alone (ending with [/INST]) and the prompt plus the
answer; the answer's tokens (and the end-of-sequence token after it) are the full encoding's tail. Only they count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from mistral_common.protocol.instruct.request import ChatCompletionRequest
from mistral_common.protocol.instruct.validator import ValidationMode
from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

from .records import Message, TrainingExample

IGNORE_INDEX = -100


class TokenizerError(Exception):
    pass


@dataclass
class EncodedExample:
    input_ids: list[int]
    labels: list[int]  # IGNORE_INDEX everywhere but the answer tokens
    images: list[np.ndarray]  # (channels, height, width), normalised by mistral-common

    @property
    def answer_token_count(self) -> int:
        return sum(1 for t in self.labels if t != IGNORE_INDEX)


@dataclass
class EncodedPrompt:
    input_ids: list[int]
    images: list[np.ndarray]


def find_tokenizer_file(model_dir: Path) -> Path:
    """The model folder's Mistral tokenizer: tekken.json, else any tekken*.json or tokenizer.model.v*."""
    for pattern in ("tekken.json", "tekken*.json", "tokenizer.model.v*"):
        found = sorted(model_dir.glob(pattern))
        if found:
            return found[0]
    raise TokenizerError(f"no Mistral tokenizer file (tekken.json) in {model_dir}.")


def load_tokenizer(model_dir: Path) -> MistralTokenizer:
    # `agnostic` checks message content but not which role comes last: we encode prompts (ending with the user)
    # and full conversations (ending with the assistant) with one tokenizer.
    return MistralTokenizer.from_file(str(find_tokenizer_file(model_dir)), mode=ValidationMode.agnostic)


def _request(messages: list[Message]) -> ChatCompletionRequest:  # type: ignore[type-arg]
    return ChatCompletionRequest(messages=messages)  # type: ignore[arg-type]


def encode_prompt(tokenizer: MistralTokenizer, messages: list[Message]) -> EncodedPrompt:
    tokenized = tokenizer.encode_chat_completion(_request(messages))
    return EncodedPrompt(input_ids=list(tokenized.tokens), images=list(tokenized.images))


def encode_example(tokenizer: MistralTokenizer, example: TrainingExample, max_seq_len: int) -> EncodedExample:
    prompt = tokenizer.encode_chat_completion(_request(example.prompt))
    full = tokenizer.encode_chat_completion(
        _request([*example.prompt, {"role": "assistant", "content": example.answer}])
    )
    n = len(prompt.tokens)
    if list(full.tokens[:n]) != list(prompt.tokens):
        raise TokenizerError("the tokenizer encodes the prompt differently with and without the answer.")
    if len(full.tokens) > max_seq_len:
        raise TokenizerError(
            f"an example has {len(full.tokens)} tokens, more than max_seq_len {max_seq_len} "
            "(images are cut into 16 px patches: prepare with a smaller --max-edge, or raise max_seq_len)."
        )
    input_ids = list(full.tokens)
    labels = [IGNORE_INDEX] * n + input_ids[n:]
    return EncodedExample(input_ids=input_ids, labels=labels, images=list(full.images))
