#!/usr/bin/env bash
# The encoder extra (suggestions.encoder: minilm) in .venv: PyTorch first, pinned, because a
# bare `torch` requirement resolves to a CUDA build of several GB; 2.13.0 is the CPU build
# our machines keep on disk (elsewhere pip downloads it). Idempotent and quick when done.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "${1:-server,agreement,dev}"
stamp=".venv/.installed-encoder-$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    .venv/bin/python -m pip install --quiet "torch==${TORCH_VERSION:-2.13.0}"
  fi
  .venv/bin/python -m pip install --quiet -e ".[encoder]"
  touch "$stamp"
fi
