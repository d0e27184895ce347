"""Wheel build step: the repository's top-level templates/ goes into the package as report/templates/.

Everything else is in pyproject.toml. The templates stay their source at the top of the repository (translators and
`scripts/update-catalogs.sh` work there); a built wheel carries a copy inside the package, where
report/resources.py looks first, with each `locales/<lang>/LC_MESSAGES/messages.po` compiled to `messages.mo` beside
it. An editable install (`pip install -e .`) copies nothing: it reads the checkout's templates/ directly.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
PACKAGE = "report"


def compile_catalog(po: Path) -> Path:
    """`messages.po` -> `messages.mo` beside it (fuzzy entries left out, as report/i18n.py does at run time)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    lang = po.parent.parent.name
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    mo = po.with_suffix(".mo")
    with mo.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)
    return mo


class BuildWithTemplates(build_py):
    """build_py, then the shipped templates copied into the built package and their catalogs compiled."""

    def run(self) -> None:
        if self.editable_mode:
            super().run()
            return
        # A stale build/lib (a module or template deleted since the last build) must not reach the wheel.
        shutil.rmtree(Path(self.build_lib) / PACKAGE, ignore_errors=True)
        super().run()
        target = Path(self.build_lib) / PACKAGE / "templates"
        shutil.copytree(ROOT / "templates", target,
                        ignore=shutil.ignore_patterns("*.mo", "__pycache__", "*.py[cod]", ".*"))
        for po in sorted(target.glob("locales/*/LC_MESSAGES/messages.po")):
            compile_catalog(po)


setup(cmdclass={"build_py": BuildWithTemplates})
