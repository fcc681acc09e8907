"""What the TypeScript side reads while a run goes: status.json (atomic), metrics.jsonl (appended, flushed) and
JSON event lines on stdout. Field names are the contract's (CONTRACT.md); add fields, never rename."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def write_json_atomic(path: Path, value: Any) -> None:
    """Temp file in the same folder + fsync + rename: a reader sees the old or the new document, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def emit_event(event: str, **fields: Any) -> None:
    """One JSON line on stdout for logs (`started`, `step`, `checkpoint`, `evaluated`, `finished`, `error`)."""
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def log(message: str) -> None:
    """Free text for humans (stderr)."""
    sys.stderr.write(f"[pixtune-trainer] {message}\n")
    sys.stderr.flush()


class StatusFile:
    """status.json: state, step, total_steps, message?, error?, adapter_dir?, pid, updated_at."""

    def __init__(self, output_dir: Path, pid: int | None = None) -> None:
        self.path = output_dir / "status.json"
        self.pid = pid or os.getpid()
        self.fields: dict[str, Any] = {"state": "starting", "step": 0, "total_steps": None}

    def update(self, **fields: Any) -> None:
        for key, value in fields.items():
            if value is None:
                self.fields.pop(key, None)
            else:
                self.fields[key] = value
        self.fields["pid"] = self.pid
        self.fields["updated_at"] = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        write_json_atomic(self.path, self.fields)


class MetricsFile:
    """metrics.jsonl: one object per measurement; a field not measured at that step is absent (never 0/null).

    On resume, lines for steps after the checkpoint being resumed from are dropped, so the file never holds two
    lines for one step."""

    def __init__(self, output_dir: Path, resume_step: int) -> None:
        self.path = output_dir / "metrics.jsonl"
        if self.path.exists():
            kept = []
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    if json.loads(line).get("step", 0) <= resume_step:
                        kept.append(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a kill
            text = "".join(line + "\n" for line in kept)
            tmp = self.path.with_suffix(".jsonl.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
        self.file = self.path.open("a", encoding="utf-8")

    def append(self, **fields: Any) -> None:
        row = {k: v for k, v in fields.items() if v is not None}
        self.file.write(json.dumps(row) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


class Stopwatch:
    def __init__(self, offset: float = 0.0) -> None:
        self.start = time.monotonic() - offset

    def elapsed(self) -> float:
        return time.monotonic() - self.start
