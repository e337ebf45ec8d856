#!/usr/bin/env bash
# Run the whole test suite (it starts and stops its own Label Studio servers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh server,agreement,distributed,parse,dev
bash scripts/setup-parse.sh
bash scripts/setup-browser.sh
bash scripts/setup-postgres.sh
export LABELING_REQUIRE_POSTGRES=1  # the PostgreSQL tests fail, not skip, without it
export LABELING_REQUIRE_PARSE=1  # so do the parse engine tests without spaCy and its model
exec .venv/bin/python -m pytest "$@"
