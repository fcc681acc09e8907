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


# Transformers-format copies of Mistral models that carry no Mistral tokenizer file: their tekken.json is taken from the
# official repository (mistralai/Pixtral-12B-2409 itself is published in Mistral's own format only, which transformers
# does not load).
TOKENIZER_REPOS = {"mistral-community/pixtral-12b": "mistralai/Pixtral-12B-2409"}
TOKENIZER_PATTERNS = ("tekken.json", "tekken*.json", "tokenizer.model.v*")


def find_tokenizer_file(model_dir: Path) -> Path:
    """The folder's Mistral tokenizer: tekken.json, else any tekken*.json or tokenizer.model.v*."""
    found = _tokenizer_in(model_dir)
    if found is None:
        raise TokenizerError(f"no Mistral tokenizer file (tekken.json) in {model_dir}.")
    return found


def _tokenizer_in(folder: Path) -> Path | None:
    for pattern in TOKENIZER_PATTERNS:
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    return None


def _from_hub(repo: str) -> Path:
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(repo, "tekken.json"))
    except Exception as e:
        raise TokenizerError(
            f"the tokenizer of {repo} could not be fetched from Hugging Face ({type(e).__name__}: {e})."
        ) from None


def resolve_tokenizer_file(
    model_dir: Path, base_model: str, tokenizer: str | None = None, adapter_dir: str | None = None
) -> Path:
    """Which tekken.json to tokenise with, in this order: the one asked for (a file, a folder holding one, or a
    Hugging Face repo id), the adapter's (training copies it there, so predict uses what training used), the model
    folder's, the official repository of a known transformers-format copy."""
    if tokenizer:
        given = Path(tokenizer).expanduser()
        if given.is_file():
            return given
        if given.is_dir():
            return find_tokenizer_file(given)
        if given.is_absolute() or tokenizer.startswith("."):
            raise TokenizerError(f"tokenizer {tokenizer} does not exist.")
        return _from_hub(tokenizer)
    for folder in ([Path(adapter_dir)] if adapter_dir else []) + [model_dir]:
        found = _tokenizer_in(folder)
        if found is not None:
            return found
    repo = TOKENIZER_REPOS.get(base_model.strip().rstrip("/").lower())
    if repo:
        return _from_hub(repo)
    raise TokenizerError(
        f"no Mistral tokenizer file (tekken.json) in {model_dir}: give one with the config's tokenizer field "
        "(a tekken.json file, a folder, or the Hugging Face repo of the original Mistral model)."
    )


def load_tokenizer_file(path: Path) -> MistralTokenizer:
    # `agnostic` checks message content but not which role comes last: we encode prompts (ending with the user)
    # and full conversations (ending with the assistant) with one tokenizer.
    return MistralTokenizer.from_file(str(path), mode=ValidationMode.agnostic)


def load_tokenizer(model_dir: Path) -> MistralTokenizer:
    return load_tokenizer_file(find_tokenizer_file(model_dir))


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
