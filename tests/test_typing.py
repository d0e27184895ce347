"""The package type-checks cleanly with mypy, using the [tool.mypy] settings in pyproject.toml."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mypy_reports_no_errors(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api", reason="mypy is not installed (pip install -e '.[test]')")
    stdout, stderr, status = api.run([
        "--config-file", str(ROOT / "pyproject.toml"),
        "--cache-dir", str(tmp_path / "mypy_cache"),
        "--no-error-summary",
        str(ROOT / "report"),
    ])
    assert status == 0, f"mypy found type errors:\n{stdout}{stderr}"
