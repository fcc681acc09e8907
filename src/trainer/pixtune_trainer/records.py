"""Reads our prepared JSONL exactly as `prepare` writes it (src/core/training/jsonlRecords.ts):

fine-tuning lines `{"messages": [system, user, assistant]}` and batch lines `{"custom_id", "body": {"messages"}}`,
where a user message's content is a string or a list of parts `{"type": "text", "text"}` /
`{"type": "image_url", "image_url": "data:…" | {"url": "data:…"}}`. A leading UTF-8 BOM is accepted, as the
TypeScript validator does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Message = dict[str, Any]


class DataError(Exception):
    """A data file that is missing or holds a line we cannot use: one sentence naming the file and line."""


@dataclass(frozen=True)
class TrainingExample:
    prompt: list[Message]  # every message before the final assistant answer
    answer: str  # the final assistant message: the only tokens the loss counts


@dataclass(frozen=True)
class BatchRequest:
    custom_id: str
    messages: list[Message]


def _lines(path: str) -> Iterator[tuple[int, Any]]:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"data file {path} does not exist.")
    with p.open("r", encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path} line {number} is not JSON ({e.msg}).") from None


def _check_messages(messages: Any, where: str) -> list[Message]:
    if not isinstance(messages, list) or not messages:
        raise DataError(f"{where} has no messages list.")
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant"):
            raise DataError(f"{where} has a message without a system/user/assistant role.")
        content = m.get("content")
        if not isinstance(content, (str, list)):
            raise DataError(f"{where} has a {m['role']} message without content.")
    return messages


def answer_text(content: str | list[Message]) -> str:
    """The assistant content as text (a parts list is joined; the answer never holds images)."""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def read_training_examples(paths: list[str]) -> list[TrainingExample]:
    examples: list[TrainingExample] = []
    for path in paths:
        for number, record in _lines(path):
            where = f"{path} line {number}"
            messages = _check_messages(record.get("messages") if isinstance(record, dict) else None, where)
            if messages[-1]["role"] != "assistant":
                raise DataError(f"{where} does not end with an assistant message to learn.")
            examples.append(TrainingExample(prompt=messages[:-1], answer=answer_text(messages[-1]["content"])))
    return examples


def read_batch_requests(path: str) -> list[BatchRequest]:
    requests: list[BatchRequest] = []
    for number, record in _lines(path):
        where = f"{path} line {number}"
        if not isinstance(record, dict) or not isinstance(record.get("custom_id"), str):
            raise DataError(f"{where} has no custom_id.")
        body = record.get("body")
        messages = _check_messages(body.get("messages") if isinstance(body, dict) else None, where)
        requests.append(BatchRequest(custom_id=record["custom_id"], messages=messages))
    return requests
