"""mistral-common tokens, the loss mask, and images of different sizes in one batch on the tiny model."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import Mistral3ForConditionalGeneration

from pixtune_trainer.batching import training_batch
from pixtune_trainer.records import read_batch_requests, read_training_examples
from pixtune_trainer.tokenization import IGNORE_INDEX, encode_example, encode_prompt, load_tokenizer

IMG, IMG_BREAK, IMG_END = 10, 12, 13


def test_only_the_answer_and_end_of_sequence_count(tiny_mistral3: Path, toy_run: Path) -> None:
    tokenizer = load_tokenizer(tiny_mistral3)
    example = read_training_examples([str(toy_run / "train.jsonl")])[0]
    encoded = encode_example(tokenizer, example, 4096)
    counted = [t for t, label in zip(encoded.input_ids, encoded.labels, strict=True) if label != IGNORE_INDEX]
    eos = tokenizer.instruct_tokenizer.tokenizer.eos_id
    assert counted[-1] == eos
    assert tokenizer.decode(counted[:-1]) == example.answer
    # Everything before the answer (system text, image tokens, [INST]/[/INST]) is masked, and is a prefix.
    first = encoded.labels.index(counted[0])
    assert all(label == IGNORE_INDEX for label in encoded.labels[:first])
    assert encoded.labels[first:] == encoded.input_ids[first:]
    assert IMG in encoded.input_ids[:first]


def test_training_prompt_is_the_serving_prompt(tiny_mistral3: Path, toy_run: Path) -> None:
    """A served request (vLLM --tokenizer-mode mistral encodes the chat request with mistral-common) gets exactly the
    tokens that precede the answer in training; batch lines carry the same system + user messages."""
    tokenizer = load_tokenizer(tiny_mistral3)
    example = read_training_examples([str(toy_run / "train.jsonl")])[0]
    encoded = encode_example(tokenizer, example, 4096)
    n = encoded.labels.index(next(label for label in encoded.labels if label != IGNORE_INDEX))
    assert encode_prompt(tokenizer, example.prompt).input_ids == encoded.input_ids[:n]
    request = read_batch_requests(str(toy_run / "test.batch.jsonl"))[0]
    assert [m["role"] for m in request.messages] == [m["role"] for m in example.prompt]


def test_image_tokens_follow_the_16px_patch_grid(tiny_mistral3: Path, toy_run: Path) -> None:
    tokenizer = load_tokenizer(tiny_mistral3)
    examples = read_training_examples([str(toy_run / "train.jsonl")])
    shapes = set()
    for example in examples[:8]:
        encoded = encode_example(tokenizer, example, 4096)
        (image,) = encoded.images
        rows, cols = image.shape[1] // 16, image.shape[2] // 16
        shapes.add(image.shape)
        assert encoded.input_ids.count(IMG) == rows * cols
        assert encoded.input_ids.count(IMG_BREAK) == rows - 1 and encoded.input_ids.count(IMG_END) == 1
    assert len(shapes) >= 3  # the toy set mixes 32x32, 48x32, 32x48 and 48x48 tiles


def test_images_of_different_sizes_in_one_batch_match_one_at_a_time(tiny_mistral3: Path, toy_run: Path) -> None:
    tokenizer = load_tokenizer(tiny_mistral3)
    model = Mistral3ForConditionalGeneration.from_pretrained(str(tiny_mistral3)).eval()
    examples = read_training_examples([str(toy_run / "train.jsonl")])
    encoded = [encode_example(tokenizer, e, 4096) for e in examples[:4]]
    assert len({e.images[0].shape for e in encoded}) > 1
    cpu, pad = torch.device("cpu"), tokenizer.instruct_tokenizer.tokenizer.pad_id
    with torch.no_grad():
        together = model(**training_batch(encoded, pad, cpu, torch.float32))
        for row, e in enumerate(encoded):
            alone = model(**training_batch([e], pad, cpu, torch.float32))
            n = len(e.input_ids)
            torch.testing.assert_close(together.logits[row, :n], alone.logits[0], atol=1e-4, rtol=1e-4)
    assert torch.isfinite(together.loss)


def test_an_example_longer_than_max_seq_len_is_refused_with_the_way_out(tiny_mistral3: Path, toy_run: Path) -> None:
    import pytest

    from pixtune_trainer.tokenization import TokenizerError

    tokenizer = load_tokenizer(tiny_mistral3)
    example = read_training_examples([str(toy_run / "train.jsonl")])[0]
    with pytest.raises(TokenizerError, match=r"more than max_seq_len 20 .*--max-edge"):
        encode_example(tokenizer, example, 20)
