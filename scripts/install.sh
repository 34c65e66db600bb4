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
  # pip and setuptools print notes a user cannot act on (setuptools' editable-install
  # warning): their output goes to a log, shown only if the install fails.
  if ! .venv/bin/pip install --disable-pip-version-check -e ".${extras}" >.venv/install.log 2>&1; then
    cat .venv/install.log >&2
    echo "Cài đặt thất bại (nhật ký ở trên, và trong .venv/install.log) · The install failed (log above, and in .venv/install.log)." >&2
    exit 1
  fi
  touch "$stamp"
fi
