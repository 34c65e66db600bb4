#!/usr/bin/env bash
# The programs OCR of scanned pages and its PDF/A-2b copies run (indexer/ocr.py), and the
# PDF/A validator that checks those copies (indexer/pdfa.py).
#
#   bash scripts/ocr-tools.sh
#
# Debian: tesseract with the Vietnamese model, poppler (pdftoppm, pdftotext, pdffonts),
# qpdf and ghostscript. Maven Central: veraPDF (org.verapdf.apps:greenfield-apps, a single
# jar holding everything it needs), kept in $ARCHIVE_SERVERS_CACHE with a launcher at
# $ARCHIVE_SERVERS_CACHE/bin/verapdf, where indexer/pdfa.py looks for it (or set
# ARCHIVE_VERAPDF). Idempotent and cached: a second run installs and downloads nothing.
set -euo pipefail

CACHE="${ARCHIVE_SERVERS_CACHE:-/var/cache/case-archive}"

DEB_PACKAGES=(tesseract-ocr tesseract-ocr-vie poppler-utils qpdf ghostscript)
# Maven Central has 1.28.2 of the greenfield CLI (1.28.3, 1.29.x, 1.30.x were not served).
VERAPDF_VERSION=1.28.2
VERAPDF_GROUP=org.verapdf.apps
VERAPDF_ARTIFACT=greenfield-apps
VERAPDF_MAIN=org.verapdf.apps.GreenfieldCliWrapper
VERAPDF_MIN_JAVA=11
# Elasticsearch's JDK (scripts/servers.sh) is preferred when present; any Java >= 11 does.
JAVA_CANDIDATES=(/usr/lib/jvm/temurin-25-jdk-amd64/bin/java)

VERAPDF_DIR="$CACHE/verapdf-$VERAPDF_VERSION"
VERAPDF_JAR="$VERAPDF_DIR/$VERAPDF_ARTIFACT-$VERAPDF_VERSION.jar"
VERAPDF_LAUNCHER="$CACHE/bin/verapdf"

log() { printf '==> %s\n' "$*"; }
die() {
  printf '==> ERROR: %s\n' "$*" >&2
  exit 1
}

pkg_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

apt_install() {
  [[ $(id -u) -eq 0 ]] || die "run as root to install the Debian packages $*"
  log "OCR tools: installing $*"
  # Other jobs on the machine may hold the dpkg/apt locks; wait for them, do not fail.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "$@"
}

java_major() {
  # `java -version` prints e.g. 'openjdk version "17.0.13"' or '"1.8.0_392"' on stderr.
  local line
  line=$("$1" -version 2>&1 | head -n 1) || return 1
  [[ $line =~ \"(1\.)?([0-9]+) ]] || return 1
  printf '%s' "${BASH_REMATCH[2]}"
}

find_java() {
  local candidate major
  for candidate in "${JAVA_CANDIDATES[@]}" "$(command -v java || true)"; do
    [[ -n $candidate && -x $candidate ]] || continue
    major=$(java_major "$candidate") || continue
    if ((major >= VERAPDF_MIN_JAVA)); then
      printf '%s' "$candidate"
      return 0
    fi
  done
  return 1
}

ensure_packages() {
  local wanted=("${DEB_PACKAGES[@]}") missing=() p
  command -v mvn >/dev/null || wanted+=(maven)
  find_java >/dev/null || wanted+=(default-jre-headless)
  for p in "${wanted[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    apt_install "${missing[@]}"
  else
    log "OCR tools: Debian packages all present"
  fi
  tesseract --list-langs 2>/dev/null | grep -qx vie ||
    die "tesseract has no Vietnamese model (package tesseract-ocr-vie)"
}

ensure_verapdf() {
  local java repo tmp
  java=$(find_java) || die "no Java >= $VERAPDF_MIN_JAVA found for veraPDF"
  mkdir -p "$VERAPDF_DIR" "$CACHE/bin"
  chmod 755 "$CACHE" "$CACHE/bin"
  if [[ ! -s $VERAPDF_JAR ]]; then
    repo="$CACHE/m2"
    log "veraPDF $VERAPDF_VERSION: downloading from Maven Central"
    # A private local repository keeps the jar with the rest of the cache, not in ~/.m2;
    # -C fails on a checksum mismatch instead of warning.
    mvn -q -B -C -Dmaven.repo.local="$repo" dependency:get \
      -Dartifact="$VERAPDF_GROUP:$VERAPDF_ARTIFACT:$VERAPDF_VERSION" -Dtransitive=false
    tmp="$VERAPDF_JAR.part"
    cp "$repo/${VERAPDF_GROUP//.//}/$VERAPDF_ARTIFACT/$VERAPDF_VERSION/$VERAPDF_ARTIFACT-$VERAPDF_VERSION.jar" "$tmp"
    mv "$tmp" "$VERAPDF_JAR"
  else
    log "veraPDF $VERAPDF_VERSION: cached"
  fi
  # Rewritten only when it changes (another version or another Java), atomically.
  tmp=$(mktemp "$CACHE/bin/.verapdf.XXXXXX")
  cat >"$tmp" <<EOF
#!/bin/sh
# Written by scripts/ocr-tools.sh: veraPDF $VERAPDF_VERSION (PDF/A validator) from Maven Central.
exec "$java" -Xmx1g -XX:+UseSerialGC -cp "$VERAPDF_JAR" $VERAPDF_MAIN "\$@"
EOF
  chmod 755 "$tmp"
  if cmp -s "$tmp" "$VERAPDF_LAUNCHER"; then
    rm -f "$tmp"
  else
    mv "$tmp" "$VERAPDF_LAUNCHER"
    log "veraPDF launcher written to $VERAPDF_LAUNCHER"
  fi
  "$VERAPDF_LAUNCHER" --version >/dev/null 2>&1 || die "veraPDF does not start: $VERAPDF_LAUNCHER --version"
}

ensure_packages
ensure_verapdf
