#!/usr/bin/env bash
# Debian's PostgreSQL server binaries for the tests that run Label Studio on PostgreSQL
# (the tests start their own cluster on loopback in a temporary folder and stop it).
# Idempotent; needs root (CI runs as root) or sudo.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "setup-postgres: PostgreSQL is missing and we are not root: install Debian's" \
       "postgresql package to run the PostgreSQL tests" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# The package starts a cluster of its own on port 5432; the tests do not use it.
$sudo service postgresql stop >/dev/null 2>&1 || true
