"""Stopping on request: SIGTERM/SIGINT (a Ray job stop, the local backend's Stop, Ctrl-C) set a flag that the
training loop checks after each step; it then writes a checkpoint, marks the run `stopped` and exits 143/130.
Under Ray Train the workers are separate processes: the driver forwards the request as a file in output_dir."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

STOP_FILE = ".stop-requested"
EXIT_CODES = {signal.SIGTERM: 143, signal.SIGINT: 130}


class StopRequest:
    def __init__(self, output_dir: Path | None = None) -> None:
        self.signal: signal.Signals | None = None
        self.stop_file = output_dir / STOP_FILE if output_dir else None

    def install(self) -> StopRequest:
        self._previous = {sig: signal.signal(sig, self._handle) for sig in EXIT_CODES}
        return self

    def restore(self) -> None:
        """Puts back the handlers from before install() (the CLI may run inside another program, e.g. pytest)."""
        for sig, handler in getattr(self, "_previous", {}).items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.signal = signal.Signals(signum)
        if self.stop_file is not None:
            self.stop_file.write_text(self.signal.name, encoding="utf-8")

    @property
    def requested(self) -> bool:
        return self.signal is not None or (self.stop_file is not None and self.stop_file.exists())

    @property
    def exit_code(self) -> int:
        if self.signal is None and self.stop_file is not None and self.stop_file.exists():
            name = self.stop_file.read_text(encoding="utf-8").strip()
            return EXIT_CODES.get(signal.Signals[name], 143) if name in signal.Signals.__members__ else 143
        return EXIT_CODES.get(self.signal, 143) if self.signal else 143
