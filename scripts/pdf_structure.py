"""Print what the PDF editions of a build tell a screen reader (tags, language, title, outline, figures' alternative
text, tables' header cells, attachments): one line per edition.

    .venv/bin/python scripts/pdf_structure.py build/cryptodrug-2019   # or a PDF file
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pdfcheck import read_structure  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    target = Path(argv[0])
    files = [target] if target.is_file() else sorted(target.glob("*/report.pdf"))
    if not files:
        print(f"no report.pdf under {target}", file=sys.stderr)
        return 1
    for path in files:
        name = path.parent.name if path.name == "report.pdf" else path.name
        print(f"{name}: {read_structure(path).summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
