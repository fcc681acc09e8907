"""`predict`: the base model (plus a LoRA adapter) answers every request of the test batch (one file, or the parts of
a run written in parts); each answer is appended as a line of the Mistral Batch API output format (CONTRACT.md), so
the TypeScript side parses labels with the same code it uses for a Mistral batch. Requests already answered with
status 200 in the output file are skipped (resume); failed ones are asked again, and the later line wins on import."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch
from mistral_common.tokens.tokenizers.base import SpecialTokenPolicy

from .batching import prompt_batch
from .config import PredictConfig
from .modeling import load_base_model, load_with_adapter, pick_dtype, resolve_model_dir
from .progress import emit_event, log
from .records import BatchRequest, read_batch_requests
from .stopping import StopRequest
from .tokenization import encode_prompt, load_tokenizer_file, resolve_tokenizer_file
from .worker import single_process_worker


def answered_ids(output_file: Path) -> set[str]:
    """The custom_ids answered successfully; an error line (response None) does not count, so a resume retries it."""
    done: set[str] = set()
    if not output_file.exists():
        return done
    for line in output_file.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            if record["response"]["status_code"] == 200:
                done.add(record["custom_id"])
        except (json.JSONDecodeError, KeyError, TypeError):
            continue  # a line cut short by a kill, or an error line: that request is answered again
    return done


def _truncate_partial_line(output_file: Path) -> None:
    """A kill mid-write can leave a last line without its newline; drop it so appends start on a fresh line."""
    if not output_file.exists():
        return
    data = output_file.read_bytes()
    if data and not data.endswith(b"\n"):
        output_file.write_bytes(data[: data.rfind(b"\n") + 1])


def success_line(
    custom_id: str, model_name: str, text: str, finish: str, prompt: int, completion: int, ms: float
) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "response": {
            "status_code": 200,
            "body": {
                "model": model_name,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            },
        },
        "latency_ms": round(ms, 1),
    }


def run_prediction(cfg: PredictConfig, stop: StopRequest) -> int:
    """Returns the number of requests answered in this call."""
    output_file = Path(cfg.output_file)
    output_file.parent.mkdir(parents=True, exist_ok=True)
    files = [cfg.test_file] if isinstance(cfg.test_file, str) else cfg.test_file
    requests = [r for f in files for r in read_batch_requests(f)]
    _truncate_partial_line(output_file)
    done = answered_ids(output_file)
    todo = [r for r in requests if r.custom_id not in done]
    log(f"{len(requests)} requests, {len(done)} already answered, {len(todo)} to go")
    emit_event("started", total=len(requests), answered=len(done))
    if not todo:
        emit_event("finished", answered=0, total=len(requests))
        return 0

    worker = single_process_worker()
    model_dir = resolve_model_dir(cfg.base_model)
    tokenizer = load_tokenizer_file(resolve_tokenizer_file(model_dir, cfg.base_model, cfg.tokenizer, cfg.adapter_dir))
    inner = tokenizer.instruct_tokenizer.tokenizer
    dtype = pick_dtype(cfg.precision, worker.device)
    model = load_with_adapter(load_base_model(model_dir, dtype, worker.device, cfg.load_in_4bit), cfg.adapter_dir)
    model.eval()
    model_name = cfg.model_name or (Path(cfg.adapter_dir).name if cfg.adapter_dir else model_dir.name)

    answered = 0
    with output_file.open("a", encoding="utf-8") as out:
        for first in range(0, len(todo), cfg.batch_size):
            if stop.requested:
                break
            group: list[BatchRequest] = todo[first : first + cfg.batch_size]
            lines = _answer(model, tokenizer, inner, group, cfg, worker.device, dtype, model_name)
            for line in lines:
                out.write(json.dumps(line) + "\n")
            out.flush()
            answered += len(group)
            emit_event("predicted", answered=len(done) + answered, total=len(requests))
    emit_event("finished", answered=answered, total=len(requests), stopped=stop.requested)
    return answered


def _answer(
    model: Any,
    tokenizer: Any,
    inner: Any,
    group: list[BatchRequest],
    cfg: PredictConfig,
    device: torch.device,
    dtype: torch.dtype,
    model_name: str,
) -> list[dict[str, Any]]:
    started = time.monotonic()
    try:
        prompts = [encode_prompt(tokenizer, r.messages) for r in group]
    except Exception as e:
        if len(group) > 1:
            return [
                line for r in group for line in _answer(model, tokenizer, inner, [r], cfg, device, dtype, model_name)
            ]
        return [{"custom_id": group[0].custom_id, "response": None, "error": {"message": f"{type(e).__name__}: {e}"}}]
    batch = prompt_batch(
        [p.input_ids for p in prompts], [img for p in prompts for img in p.images], inner.pad_id, device, dtype
    )
    with torch.no_grad():
        generated = model.generate(
            **batch,
            max_new_tokens=cfg.max_new_tokens,
            do_sample=False,
            eos_token_id=inner.eos_id,
            pad_token_id=inner.pad_id,
        )
    new_tokens = generated[:, batch["input_ids"].shape[1] :].tolist()
    ms = (time.monotonic() - started) * 1000 / len(group)
    lines = []
    for request, prompt, tokens in zip(group, prompts, new_tokens, strict=True):
        finish = "length"
        if inner.eos_id in tokens:
            tokens, finish = tokens[: tokens.index(inner.eos_id)], "stop"
        text = tokenizer.decode(tokens, special_token_policy=SpecialTokenPolicy.IGNORE)
        lines.append(
            success_line(
                request.custom_id, model_name, text, finish, len(prompt.input_ids), len(tokens) + (finish == "stop"), ms
            )
        )
    return lines
