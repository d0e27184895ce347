#!/usr/bin/env bash
# Fresh machine to built sample report: system packages, a virtual environment pinned by
# constraints.txt, then `report build config/sample.yaml`. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the browser tests (tests/test_browser.py drive it with Playwright, installed in .venv by the test
# extras: `playwright install` is never needed); fonts-noto-core and fonts-dejavu-core: the fonts of the HTML
# edition in that browser (DejaVu draws the few symbols Noto Sans lacks, e.g. the notes' back-link arrow).
APT_PACKAGES=(libharfbuzz-subset0 poppler-utils fonts-noto-core fonts-dejavu-core chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# Java 17 runs Spark (engine: spark, and the engine-equality test); most machines already have a JDK.
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]"
# Byte-compile the package once: an editable install does not, and where PYTHONDONTWRITEBYTECODE is set (as on CI
# machines) every process of every build would compile report/ from source again (0.24 s of CPU each time).
.venv/bin/python -m compileall -q report

# The browser starts headless without a display or network (the tests skip, never hang, when it cannot).
profile=$(mktemp -d)
if ! timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --user-data-dir="$profile" --dump-dom about:blank >/dev/null 2>&1; then
  echo "warning: chromium does not start headless: the browser tests will fail or be skipped" >&2
fi
rm -rf "$profile"

.venv/bin/report build config/sample.yaml
