"""The HTML edition in a real browser (headless Chromium) with no network: every chart draws."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from .conftest import LANGS

pytestmark = pytest.mark.slow  # a real browser: deselect with -m 'not slow'

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=15000"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/setup.sh installs it)")
@pytest.mark.parametrize("lang", LANGS)
def test_every_chart_draws_offline(sample, lang, tmp_path):
    page = (sample.folder / lang / "report.html").as_uri()
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path}", "--dump-dom", page],
                         capture_output=True, text=True, timeout=120).stdout
    placed = re.findall(r'data-target="chart-([a-z0-9_.\-]+)"', (sample.folder / lang / "report.html").read_text(encoding="utf-8"))
    opening = list(re.finditer(r'<div class="chart[^"]*" id="chart-([a-z0-9_.\-]+)"[^>]*>', dom))
    drawn = {}
    for match, following in zip(opening, opening[1:] + [None]):
        inside = dom[match.end(): following.start() if following else len(dom)]
        drawn[match.group(1)] = "<svg" in inside and "<path" in inside
    assert placed and drawn == {chart_id: True for chart_id in placed}
