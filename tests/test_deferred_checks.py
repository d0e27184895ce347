"""A build checks the scrape CSV files in its workers while the engine already reads them (issue 14): the result is
used only when every check finds the file as the engine read it, and otherwise the inputs are loaded and computed
again, one after the other, so messages and warnings are exactly those of a build that checks first."""
from __future__ import annotations

import gzip
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pytest

from report.build import compute, load_and_compute
from report.config import load_config
from report.errors import InputError
from report.load import load_inputs

AGAIN = "an input needed its full check first"


class Recorder:
    """A submit that runs the checks in threads and keeps their futures."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self.pool, self.futures = pool, []

    def __call__(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self.pool.submit(function, *args)
        self.futures.append(future)
        return future


def deferred(project: Path) -> tuple[Any, Recorder]:
    config, base = load_config(project / "config.yaml")
    with ThreadPoolExecutor(max_workers=2) as pool:
        recorder = Recorder(pool)
        stats, _ = load_and_compute(config, base, defer=recorder)
    return stats, recorder


def sequential(project: Path) -> Any:
    config, base = load_config(project / "config.yaml")
    return compute(config, load_inputs(config, base))


def gzipped(project: Path, name: str, data: bytes | None = None) -> None:
    path = project / f"{name}.csv"
    (project / f"{name}.csv.gz").write_bytes(gzip.compress(path.read_bytes() if data is None else data))
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(f"{name}: {name}.csv", f"{name}: {name}.csv.gz"),
                      encoding="utf-8")


def test_clean_files_are_checked_beside_the_engine_and_give_the_same_figures(project, caplog):
    gzipped(project, "feedback")
    with caplog.at_level(logging.INFO, logger="report"):
        stats, recorder = deferred(project)
    assert len(recorder.futures) == 3  # listings, feedback, exchange rates
    assert all(future.result() is not None for future in recorder.futures)  # each found clean, with its rows
    assert not any(AGAIN in record.getMessage() for record in caplog.records)
    assert stats.figures == sequential(project).figures


def test_a_gzip_with_a_byte_order_mark_is_read_as_the_checked_copy_would_be(project, caplog):
    gzipped(project, "listings", b"\xef\xbb\xbf" + (project / "listings.csv").read_bytes())
    with caplog.at_level(logging.INFO, logger="report"):
        stats, _ = deferred(project)
    assert not any(AGAIN in record.getMessage() for record in caplog.records)
    assert stats.figures == sequential(project).figures


def test_text_to_clean_means_loading_again_with_its_warning_logged_once(project, caplog):
    listings = project / "listings.csv"
    listings.write_text(listings.read_text(encoding="utf-8").replace("B3,NA,hash", "B3,N\x00A,ha\x07sh", 1), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="report"):
        stats, recorder = deferred(project)
    assert recorder.futures[0].result() is None  # the listings' check found characters to leave out
    assert any(AGAIN in record.getMessage() for record in caplog.records)
    warnings = [r for r in caplog.records if "hold control characters" in r.getMessage()]
    assert len(warnings) == 1 and "line 9" in warnings[0].getMessage()
    assert stats.figures["vendors.total"].value == 4 and stats.figures == sequential(project).figures


def test_bare_carriage_returns_mean_loading_again(project, caplog):
    rates = project / "exchange_rates.csv"
    rates.write_bytes(rates.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    with caplog.at_level(logging.INFO, logger="report"):
        stats, _ = deferred(project)
    assert any(AGAIN in record.getMessage() for record in caplog.records)
    assert stats.figures == sequential(project).figures


def test_a_ragged_row_in_a_gzip_gives_the_message_of_a_build_that_checks_first(project, caplog):
    text = (project / "feedback.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    text[3] = text[3].rstrip("\n") + ",extra\n"
    gzipped(project, "feedback", "".join(text).encode("utf-8"))
    with pytest.raises(InputError) as first:
        sequential(project)
    with caplog.at_level(logging.WARNING), pytest.raises(InputError) as beside:
        deferred(project)
    assert str(beside.value) == str(first.value) and "feedback.csv.gz:4" in str(first.value)
    assert not caplog.records  # nothing of the attempt that was dropped is shown
