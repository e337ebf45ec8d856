#!/usr/bin/env bash
# Run the checks and the whole test suite (the tests start and stop their own Label Studio
# servers). Arguments go to pytest: `bash scripts/test.sh -m "not server"` is the fast suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh server,agreement,distributed,parse,dev
bash scripts/setup-encoder.sh server,agreement,distributed,parse,dev
bash scripts/setup-parse.sh
bash scripts/setup-browser.sh
bash scripts/setup-postgres.sh
# Lint and types first: a style or type error fails in seconds, before the servers start.
.venv/bin/ruff check .
.venv/bin/mypy --strict labeling tests bench scripts
export LABELING_REQUIRE_POSTGRES=1  # the PostgreSQL tests fail, not skip, without it
export LABELING_REQUIRE_PARSE=1  # so do the parse engine tests without spaCy and its model
export LABELING_REQUIRE_ENCODER=1  # and the encoder tests without the encoder extra
exec .venv/bin/python -m pytest "$@"
