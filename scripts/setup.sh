#!/usr/bin/env bash
# Create .venv and install the project with what it needs; idempotent and quick when done.
# Usage: bash scripts/setup.sh [EXTRAS]   (default extras: server,agreement,dev)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-server,agreement,dev}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extras//,/_}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[${extras}]"
  touch "$stamp"
fi
