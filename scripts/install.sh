#!/usr/bin/env bash
# Installs the archive into ./.venv (idempotent): the package alone, or with --dev the test
# and lint tools too. Needs only Python 3.11+ and the PyPI registry.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
if [[ "${1:-}" == "--dev" ]]; then extras="[dev]"; fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Cần Python 3.11 trở lên · Python 3.11 or newer is needed (found: $("$python" --version 2>&1))." >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  echo "==> Tạo môi trường Python · Creating the virtual environment (.venv)"
  "$python" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
fi
# Reinstall only when the declared dependencies changed since the last install.
stamp=".venv/.installed${extras}"
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  echo "==> Cài đặt gói · Installing the package${extras:+ with $extras}"
  .venv/bin/pip install --quiet --disable-pip-version-check -e ".${extras}"
  touch "$stamp"
fi
