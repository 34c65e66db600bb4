#!/usr/bin/env bash
# Runs every check from a fresh machine: installs the package with its dev tools, starts the
# real servers on loopback (scripts/servers.sh), then lint, type check and the whole test
# suite on both backends. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh --dev
bash scripts/servers.sh start
bash scripts/ocr-tools.sh
bash scripts/signing-tools.sh
set -a
# shellcheck disable=SC1091
. "${ARCHIVE_SERVERS_RUN:-/var/tmp/case-archive-servers}/servers.env"
set +a

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> mypy"
.venv/bin/mypy archive indexer deadlines signing ui
echo "==> pytest"
mkdir -p test-artifacts
.venv/bin/pytest -q -p no:cacheprovider --junitxml=test-artifacts/junit.xml "$@"
