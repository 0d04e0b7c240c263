"""Progress of a run on stderr: a bar redrawn in place on a terminal, plain lines otherwise."""

from __future__ import annotations

import threading
import time
from typing import TextIO

from platform_storage.migrate.units import size


class Progress:
    """Objects and bytes done out of `objects`/`total_bytes`, and the transfer rate. Bytes move
    from the copying threads; objects complete in the main thread."""

    def __init__(
        self,
        stream: TextIO,
        *,
        objects: int,
        total_bytes: int,
        interval: float | None = None,
        enabled: bool = True,
    ) -> None:
        self._stream = stream
        self._tty = bool(getattr(stream, "isatty", lambda: False)())
        self._interval = interval if interval is not None else (0.2 if self._tty else 10.0)
        self._objects = objects
        self._total = total_bytes
        self._done_objects = 0
        self._done_bytes = 0
        self._moved = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._lock = threading.Lock()
        self._enabled = enabled

    def moved(self, amount: int) -> None:
        """Bytes sent to the destination (thread-safe)."""
        with self._lock:
            self._moved += amount

    def object_done(self, nbytes: int) -> None:
        self._done_objects += 1
        self._done_bytes += nbytes
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self._draw(final=False)

    def finish(self) -> None:
        self._draw(final=True)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-6)
        return (
            f"{self._done_objects}/{self._objects} objects, {size(self._done_bytes)}"
            f"/{size(self._total)}, {size(int(self._moved / elapsed))}/s copied"
        )

    def _draw(self, *, final: bool) -> None:
        if not self._enabled:
            return
        line = self.line()
        if self._tty:
            width = 30
            filled = width * self._done_objects // max(self._objects, 1)
            bar = "#" * filled + "-" * (width - filled)
            end = "\n" if final else ""
            self._stream.write(f"\r[{bar}] {line}\033[K{end}")
        else:
            self._stream.write(f"progress: {line}\n")
        self._stream.flush()
