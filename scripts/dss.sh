#!/usr/bin/env bash
# EU DSS (the EU's reference signature validator) as an offline second opinion on PAdES
# signatures: builds tools/dss into one runnable jar, once, and runs it.
#
#   bash scripts/dss.sh jar                       # path of the jar (built first if needed)
#   bash scripts/dss.sh build                     # (re)build if the pom or source is newer
#   bash scripts/dss.sh verify [--trust ROOT.pem]... [--strict] FILE.pdf...
#
# The jar lives in ${ARCHIVE_TOOLS_CACHE:-/var/tmp/case-archive-tools}/dss/dss-verify.jar and
# is rebuilt only when tools/dss/pom.xml or a file under tools/dss/src is newer than it.
# Maven keeps its downloads in its default local repository (~/.m2), so later builds are
# offline-fast. Needs a JDK >= 17: $JAVA_HOME if set, else /usr/bin/java.
# verify prints DSS's verdicts as one JSON document on stdout; see tools/dss/FINDINGS.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tools/dss"
CACHE="${ARCHIVE_TOOLS_CACHE:-/var/tmp/case-archive-tools}/dss"
JAR="$CACHE/dss-verify.jar"

say() { echo "$@" >&2; }

java_bin() {
    local java
    if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
        java="$JAVA_HOME/bin/java"
    elif [[ -x /usr/bin/java ]]; then
        java=/usr/bin/java
    else
        java="$(command -v java || true)"
    fi
    if [[ -z "$java" ]]; then
        say "!! Không tìm thấy Java (cần JDK 17 trở lên) · No Java found (JDK 17 or newer needed)"
        exit 1
    fi
    local version major
    version="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
    major="${version%%.*}"
    if [[ -z "$major" || "$major" -lt 17 ]]; then
        say "!! $java là Java ${version:-?}, cần 17 trở lên · $java is Java ${version:-?}; 17 or newer is needed"
        exit 1
    fi
    echo "$java"
}

needs_build() {
    [[ -s "$JAR" ]] || return 0
    [[ "$SRC/pom.xml" -nt "$JAR" ]] && return 0
    [[ -n "$(find "$SRC/src" -type f -newer "$JAR" -print -quit)" ]] && return 0
    return 1
}

build() {
    needs_build || return 0
    local java java_home
    java="$(java_bin)"
    java_home="$(cd "$(dirname "$(readlink -f "$java")")/.." && pwd)"
    if ! command -v mvn >/dev/null 2>&1; then
        say "!! Không có Maven (mvn); cài bằng: apt-get install -y maven · Maven (mvn) is missing; install it with: apt-get install -y maven"
        exit 1
    fi
    say "==> Dựng EU DSS (lần đầu tải thư viện từ Maven Central, vài phút) · Building EU DSS (the first build downloads from Maven Central, a few minutes)"
    mkdir -p "$CACHE"
    # Build in a copy inside the cache, so the source tree gets no target/ folder.
    local work="$CACHE/build"
    rm -rf "$work"
    mkdir -p "$work"
    cp "$SRC/pom.xml" "$work/"
    cp -R "$SRC/src" "$work/"
    local started=$SECONDS
    # mvn -q prints only errors, plus stray colour codes: strip those, and keep stdout clean.
    if ! (cd "$work" && JAVA_HOME="$java_home" mvn -q -B -Dstyle.color=never package 2>&1 \
            | sed 's/\x1b\[[0-9;]*m//g' >&2); then
        say "!! Dựng EU DSS thất bại · Building EU DSS failed"
        exit 1
    fi
    cp "$work/target/dss-verify.jar" "$JAR.tmp"
    mv "$JAR.tmp" "$JAR"
    rm -rf "$work"
    say "==> Đã dựng EU DSS trong $((SECONDS - started)) giây · Built EU DSS in $((SECONDS - started)) s: $JAR"
}

usage() {
    say "Cách dùng · Usage: bash scripts/dss.sh jar | build | verify [--trust ROOT.pem]... [--strict] FILE.pdf..."
    exit 2
}

cmd="${1:-}"
[[ -n "$cmd" ]] || usage
shift
case "$cmd" in
    jar)
        build
        echo "$JAR"
        ;;
    build)
        build
        ;;
    verify)
        build
        # C1 only: these are short runs, and on 2 cores it about halves the CPU time of one
        # file (~3.5 s to ~2 s). PDFBox's font cache goes to the cache folder, not ~.
        exec "$(java_bin)" -XX:TieredStopAtLevel=1 -Dpdfbox.fontcache="$CACHE" \
            -jar "$JAR" "$@"
        ;;
    *)
        usage
        ;;
esac
