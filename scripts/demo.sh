#!/usr/bin/env bash
# The main job on the seeds: install, start a local Label Studio, push the seed articles.
# It leaves the server running; stop it with `.venv/bin/labeling studio down`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh server,agreement
exec .venv/bin/labeling push seeds/ --project "${PROJECT:-Western troops for Ukraine}" \
  --config configs/stance.yaml "$@"
