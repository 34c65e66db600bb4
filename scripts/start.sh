#!/usr/bin/env bash
# Starts the archive with embedded defaults (SQLite, local folder, in-process worker) at
# http://127.0.0.1:8000. Pass --demo to load the demo units, accounts and dossiers.
# Any other arguments go to `archive serve` (see `archive serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/archive serve "$@"
