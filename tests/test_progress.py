"""Progress on a terminal (report/progress.py): shown for stages over a second, never when not a terminal or quiet."""
from __future__ import annotations

import io
import time

from report.build import Stopwatch
from report.progress import Silent, Terminal, for_terminal


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_stage_and_each_edition_get_a_line_a_short_stage_none() -> None:
    stream = io.StringIO()
    shown = Terminal(stream, after=0.2, force=True)
    watch = Stopwatch(progress=shown)
    watch.stage("load", time.sleep, 0.5)
    watch.stage("plan", time.sleep, 0.01)
    shown.done("fr/report.pdf")
    shown.close()
    text = stream.getvalue()
    assert "✓ load (0.5 s)" in text and "✓ fr/report.pdf" in text
    assert "✓ plan" not in text
    assert watch.timings["load"] >= 0.5  # the stopwatch still times every stage


def test_no_display_unless_a_terminal_asks_for_it() -> None:
    assert isinstance(for_terminal(io.StringIO(), quiet=False), Silent)  # a log file, CI
    assert isinstance(for_terminal(_Tty(), quiet=True), Silent)  # --quiet
    shown = for_terminal(_Tty(), quiet=False)
    assert isinstance(shown, Terminal)
    shown.close()
