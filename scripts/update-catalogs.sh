#!/usr/bin/env bash
# Re-extract translatable strings from report/*.py and templates/**/*.j2 into messages.pot,
# then merge them into every language catalog (templates/locales/<lang>/LC_MESSAGES/messages.po).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-pybabel}
[ -x .venv/bin/pybabel ] && PYBABEL=.venv/bin/pybabel
"$PYBABEL" extract -F babel.cfg -k N_ -k _ --no-location --sort-output --omit-header --width=100 \
  --ignore-dirs=".* _* build tests sample_inputs" -o templates/locales/messages.pot .
for dir in templates/locales/*/; do
  lang=$(basename "$dir")
  "$PYBABEL" update -i templates/locales/messages.pot -d templates/locales -l "$lang" --no-fuzzy-matching --ignore-obsolete --width=100
done
