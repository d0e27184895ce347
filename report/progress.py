"""Progress on a terminal while a build runs: the stage under way once it has taken over a second (a spinner and its
time, on one line that goes away), then a line for each stage that took that long and for each edition written.

Only for a person watching: nothing is shown when standard error is not a terminal (a log file, CI) or with
`--quiet`, and rich is imported only then.
"""
from __future__ import annotations

import time
from typing import IO, Any, Protocol


class Progress(Protocol):
    """What a build tells whoever watches it."""

    def started(self, stage: str) -> None: ...

    def finished(self, stage: str, seconds: float) -> None: ...

    def done(self, item: str) -> None: ...

    def close(self) -> None: ...


class Silent:
    """No progress shown."""

    def started(self, stage: str) -> None:
        pass

    def finished(self, stage: str, seconds: float) -> None:
        pass

    def done(self, item: str) -> None:
        pass

    def close(self) -> None:
        pass


class Terminal:
    """rich's live display on `stream`: the running stage after `after` seconds, then a line per long stage."""

    def __init__(self, stream: IO[str], after: float = 1.0, force: bool = False) -> None:
        from rich.console import Console
        from rich.live import Live

        self._after = after
        self._stage: str | None = None
        self._since = time.perf_counter()
        self._console = Console(file=stream, force_terminal=force or None, highlight=False)
        self._live = Live(self, console=self._console, transient=True, refresh_per_second=8,
                          redirect_stdout=False, redirect_stderr=False)
        self._live.start()

    def __rich__(self) -> Any:
        from rich.spinner import Spinner
        from rich.text import Text

        elapsed = time.perf_counter() - self._since
        if self._stage is None or elapsed < self._after:
            return Text("")
        return Spinner("dots", text=f"{self._stage} … {elapsed:.0f} s")

    def started(self, stage: str) -> None:
        self._stage, self._since = stage, time.perf_counter()

    def finished(self, stage: str, seconds: float) -> None:
        self._stage = None
        if seconds >= self._after:
            self._console.print(f"✓ {stage} ({seconds:.1f} s)")

    def done(self, item: str) -> None:
        self._console.print(f"  ✓ {item}")

    def close(self) -> None:
        self._live.stop()


def for_terminal(stream: IO[str], quiet: bool) -> Progress:
    """A terminal display when `stream` is a terminal and not `quiet`, else none."""
    isatty = getattr(stream, "isatty", None)
    if quiet or not (isatty is not None and isatty()):
        return Silent()
    return Terminal(stream)
