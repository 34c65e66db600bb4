#!/usr/bin/env bash
# The programs the signing tests check signed files with, independently of pyHanko, and
# the EU's reference validator they compare verdicts against.
#
#   bash scripts/signing-tools.sh
#
# Debian: poppler-utils (pdfsig, pdffonts, pdftotext), qpdf, openssl (cms -verify), and
# Maven with a JDK to build EU DSS (tools/dss, built once by scripts/dss.sh into
# $ARCHIVE_TOOLS_CACHE). Idempotent and cached: a second run installs and builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(poppler-utils qpdf openssl maven default-jdk-headless softhsm2)

log() { printf '==> %s\n' "$*"; }
die() {
  printf '==> ERROR: %s\n' "$*" >&2
  exit 1
}

pkg_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  pkg_installed "$p" || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || die "run as root to install the Debian packages ${missing[*]}"
  log "Công cụ ký số · Signing tools: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}"
fi
bash scripts/dss.sh build
