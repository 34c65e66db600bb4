#!/usr/bin/env bash
# Real PostgreSQL, Redis, MinIO and Elasticsearch servers for the integration tests.
#
#   bash scripts/servers.sh start|stop|status|env
#
# Everything listens on 127.0.0.1 only. A fresh machine gets everything it needs from
# Debian's packages, Maven Central and the Go module proxy; downloads and built binaries
# are kept in $ARCHIVE_SERVERS_CACHE so later runs skip them, and a server that already
# answers is left alone, so `start` is cheap to call before every test run.
# The versions here must stay equal to the images pinned in docker-compose.yml
# (tests/infra/test_infra_compose.py checks that).
set -euo pipefail

CACHE="${ARCHIVE_SERVERS_CACHE:-/var/cache/case-archive}"
RUN="${ARCHIVE_SERVERS_RUN:-/var/tmp/case-archive-servers}"

HOST=127.0.0.1
PG_PORT="${ARCHIVE_SERVERS_POSTGRES_PORT:-55432}"
REDIS_PORT="${ARCHIVE_SERVERS_REDIS_PORT:-56379}"
MINIO_PORT="${ARCHIVE_SERVERS_MINIO_PORT:-59000}"
MINIO_CONSOLE_PORT="${ARCHIVE_SERVERS_MINIO_CONSOLE_PORT:-59001}"
ES_PORT="${ARCHIVE_SERVERS_ES_PORT:-59200}"
ES_TRANSPORT_PORT="${ARCHIVE_SERVERS_ES_TRANSPORT_PORT:-59300}"

PG_MAJOR=15
PG_USER=archive
PG_PASSWORD=archive
PG_DB=archive
MINIO_ROOT_USER=archive-test
MINIO_ROOT_PASSWORD=archive-test-secret
# Maven Central has only some 9.x integ-test-zip builds (9.0.0, 9.1.0, 9.2.0, 9.2.4 seen);
# its maven-metadata.xml lists none of them, so the exact version must be asked for.
ES_VERSION=9.2.0
ES_MIN_JAVA=21
ES_USER=archive-es
ES_HEAP=${ARCHIVE_SERVERS_ES_HEAP:-512m}  # the node's Java heap (-Xms and -Xmx)

# postgresql is the unversioned metapackage; PG_MAJOR pins what docker-compose.yml runs.
DEB_PACKAGES=(postgresql "postgresql-$PG_MAJOR" redis-server poppler-utils qpdf
  fonts-dejavu-core fonts-noto-core fonts-liberation2)
# Fonts only change how PDFs look; a Debian release without one of them must not block tests.
OPTIONAL_PACKAGES=" fonts-noto-core fonts-liberation2 "

ES_HOME="$CACHE/elasticsearch-$ES_VERSION"
MINIO_BIN="$CACHE/bin/minio"
ENV_FILE="$RUN/servers.env"

if [[ -d /usr/local/go/bin ]]; then
  PATH="/usr/local/go/bin:$PATH"
fi

log() { printf '==> %s\n' "$*"; }
warn() { printf '==> WARNING: %s\n' "$*" >&2; }
die() {
  printf '==> ERROR: %s\n' "$*" >&2
  exit 1
}

# Dumps the end of a server's log so a failed start explains itself in CI output.
fail_with_log() {
  local what=$1 logfile=$2
  printf '==> ERROR: %s\n' "$what" >&2
  if [[ -f $logfile ]]; then
    printf -- '---- last lines of %s ----\n' "$logfile" >&2
    tail -n 60 "$logfile" >&2 || true
    printf -- '---- end of %s ----\n' "$logfile" >&2
  else
    printf '(no log file at %s)\n' "$logfile" >&2
  fi
  exit 1
}

require_root() {
  [[ $(id -u) -eq 0 ]] || die "run as root: it installs packages, creates the $ES_USER user and starts servers as other users"
}

pid_alive() {
  local pidfile=$1 pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# True when anything accepts TCP connections there; used to refuse a port held by a
# server that is not ours instead of failing later with a confusing log.
port_open() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# wait_healthy NAME SECONDS PIDFILE LOGFILE CHECK...
# Polls CHECK; gives up early when the process behind PIDFILE has already died.
wait_healthy() {
  local name=$1 timeout=$2 pidfile=$3 logfile=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if [[ -n $pidfile ]] && [[ -s $pidfile ]] && ! pid_alive "$pidfile"; then
      fail_with_log "$name exited while starting" "$logfile"
    fi
    if ((SECONDS >= deadline)); then
      fail_with_log "$name not ready after ${timeout}s" "$logfile"
    fi
    sleep 1
  done
}

# Sends TERM, waits, then KILL: servers that flush on shutdown get a chance to.
kill_pidfile() {
  local name=$1 pidfile=$2 pid i
  if ! pid_alive "$pidfile"; then
    log "$name: not running"
    rm -f "$pidfile"
    return 0
  fi
  pid=$(<"$pidfile")
  log "$name: stopping (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name did not stop within 30s; killing it"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# Our default ports lie inside Linux's ephemeral range (32768-60999), so the kernel may give
# one to an outgoing connection as its local port; the server then cannot bind it although
# nothing listens there (seen with MinIO: "Specified port is already in use"). Reserved
# ports are never handed out. Best effort: containers often mount /proc/sys read-only.
port_reserved() {
  local port=$1 list=$2 entry
  local -a entries
  IFS=, read -r -a entries <<<"$list"
  for entry in "${entries[@]}"; do
    if [[ $entry == *-* ]]; then
      ((port >= ${entry%-*} && port <= ${entry#*-})) && return 0
    elif [[ -n $entry ]] && ((port == entry)); then
      return 0
    fi
  done
  return 1
}

reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports current p joined
  local -a wanted=()
  [[ -w $file ]] || return 0
  current=$(<"$file")
  for p in "$@"; do
    port_reserved "$p" "$current" || wanted+=("$p")
  done
  ((${#wanted[@]})) || return 0
  joined=$(IFS=,; echo "${wanted[*]}")
  if echo "${current:+$current,}$joined" >"$file" 2>/dev/null; then
    log "ports $joined reserved against ephemeral use (net.ipv4.ip_local_reserved_ports)"
  else
    warn "could not reserve ports $joined; a client socket may occupy one by chance"
  fi
}

# ---------------------------------------------------------------------------------------
# Packages

pkg_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

ensure_packages() {
  local wanted=("${DEB_PACKAGES[@]}") missing=() installable=() p policy
  # Tools this script itself calls; the CI image usually has them, a minimal one may not.
  command -v curl >/dev/null || wanted+=(curl)
  command -v unzip >/dev/null || wanted+=(unzip)
  command -v mvn >/dev/null || wanted+=(maven)
  for p in "${wanted[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    log "Debian packages: all present"
    return 0
  fi
  log "Debian packages: missing ${missing[*]}; running apt-get update"
  # Other jobs on the machine may hold the dpkg/apt locks; wait for them, do not fail.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  for p in "${missing[@]}"; do
    # Captured first: with pipefail, `apt-cache | grep -q` fails when grep quits early.
    policy=$(apt-cache policy "$p" 2>/dev/null)
    if [[ $policy =~ Candidate:\ [^\(] ]]; then
      installable+=("$p")
    elif [[ $OPTIONAL_PACKAGES == *" $p "* ]]; then
      warn "Debian package $p does not exist in this release; skipping it"
    else
      die "Debian package $p is not available from the configured apt sources"
    fi
  done
  if ((${#installable[@]})); then
    log "Debian packages: installing ${installable[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends \
      "${installable[@]}"
  fi
}

# ---------------------------------------------------------------------------------------
# Directories

ensure_dirs() {
  mkdir -p "$CACHE/bin" "$RUN"
  # The postgres and archive-es users must traverse these to reach their own subdirs.
  chmod 755 "$CACHE" "$CACHE/bin" "$RUN"
}

# A parent dir of $RUN that is private to root would make initdb fail with a bare
# "permission denied"; say what is wrong instead.
check_reachable_by() {
  local user=$1 dir=$2
  runuser -u "$user" -- test -x "$dir" ||
    die "user $user cannot reach $dir: make every parent directory traversable (chmod o+x) or set ARCHIVE_SERVERS_RUN elsewhere"
}

# ---------------------------------------------------------------------------------------
# PostgreSQL

PGDATA="$RUN/pg/data"
PG_SOCKET_DIR="$RUN/pg/socket"
PG_LOG="$RUN/pg/postgres.log"

pg_bin() {
  local version
  # A cluster must be run by the major version that created it.
  if [[ -s $PGDATA/PG_VERSION ]]; then
    version=$(<"$PGDATA/PG_VERSION")
  else
    version=$PG_MAJOR
  fi
  [[ -x /usr/lib/postgresql/$version/bin/postgres ]] ||
    die "PostgreSQL $version server binaries not found under /usr/lib/postgresql/$version/bin"
  printf '/usr/lib/postgresql/%s/bin' "$version"
}

# pg_ctl refuses to run as root, and the postgres user cannot necessarily read the
# caller's working directory, hence the cd.
as_postgres() {
  (cd / && runuser -u postgres -- "$@")
}

pg_healthy() {
  "$(pg_bin)/pg_isready" -q -h "$HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres
}

pg_running() {
  [[ -f $PGDATA/PG_VERSION ]] && as_postgres "$(pg_bin)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

pg_write_conf() {
  # Rewritten on every start so changed ports apply; included from postgresql.conf.
  cat >"$PGDATA/archive-servers.conf" <<EOF
# Written by scripts/servers.sh on every start; edits are lost.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
# Throwaway test data: losing the last commits on a crash is fine, waiting for fsync
# on every commit makes migration-heavy tests slow on 2 cores.
synchronous_commit = off
EOF
  chown postgres:postgres "$PGDATA/archive-servers.conf"
  grep -q "^include_if_exists = 'archive-servers.conf'" "$PGDATA/postgresql.conf" ||
    echo "include_if_exists = 'archive-servers.conf'" >>"$PGDATA/postgresql.conf"
}

pg_ensure_db() {
  # \gexec runs the CREATE only when the SELECT returns it, so this is idempotent.
  "$(pg_bin)/psql" -q -X -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres <<EOF >/dev/null
ALTER ROLE "$PG_USER" WITH PASSWORD '$PG_PASSWORD';
SELECT 'CREATE DATABASE "$PG_DB" OWNER "$PG_USER" ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
EOF
}

start_postgres() {
  local bin locale
  if pg_running && pg_healthy; then
    log "PostgreSQL: already running on $HOST:$PG_PORT"
    pg_ensure_db
    return 0
  fi
  bin=$(pg_bin)
  mkdir -p "$RUN/pg"
  chmod 755 "$RUN/pg"
  chown postgres:postgres "$RUN/pg"
  check_reachable_by postgres "$RUN/pg"
  if [[ ! -f $PGDATA/PG_VERSION ]]; then
    # C.UTF-8 sorts bytewise like C but keeps Vietnamese text valid UTF-8 everywhere.
    locale=C
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
      locale=C.UTF-8
    fi
    log "PostgreSQL: initdb $PGDATA (locale $locale)"
    rm -rf "$PGDATA"
    as_postgres "$bin/initdb" -D "$PGDATA" -U "$PG_USER" --auth=trust -E UTF8 \
      --locale="$locale" >"$RUN/pg/initdb.log" 2>&1 ||
      fail_with_log "initdb failed" "$RUN/pg/initdb.log"
  fi
  install -d -o postgres -g postgres -m 700 "$PG_SOCKET_DIR"
  pg_write_conf
  if pg_running; then
    # Running but not answering on our port: an old instance with other settings.
    log "PostgreSQL: restarting to apply settings"
    as_postgres "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  if port_open "$PG_PORT"; then
    die "port $HOST:$PG_PORT is in use by another process; set ARCHIVE_SERVERS_POSTGRES_PORT"
  fi
  log "PostgreSQL: starting on $HOST:$PG_PORT"
  touch "$PG_LOG"
  chown postgres:postgres "$PG_LOG"
  as_postgres "$bin/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t 60 start >/dev/null ||
    fail_with_log "PostgreSQL did not start" "$PG_LOG"
  wait_healthy PostgreSQL 30 "" "$PG_LOG" pg_healthy
  pg_ensure_db
  log "PostgreSQL: ready"
}

stop_postgres() {
  if pg_running; then
    log "PostgreSQL: stopping"
    as_postgres "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
  else
    log "PostgreSQL: not running"
  fi
}

# ---------------------------------------------------------------------------------------
# Redis

REDIS_PID="$RUN/redis/redis.pid"
REDIS_LOG="$RUN/redis/redis.log"

redis_healthy() {
  [[ $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

start_redis() {
  if redis_healthy; then
    log "Redis: already running on $HOST:$REDIS_PORT"
    return 0
  fi
  if port_open "$REDIS_PORT"; then
    die "port $HOST:$REDIS_PORT is in use by another process; set ARCHIVE_SERVERS_REDIS_PORT"
  fi
  mkdir -p "$RUN/redis"
  log "Redis: starting on $HOST:$REDIS_PORT"
  # No persistence: tests own their data, and a fresh server is a clean queue.
  redis-server --bind "$HOST" --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize yes --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --dir "$RUN/redis" ||
    fail_with_log "redis-server did not start" "$REDIS_LOG"
  wait_healthy Redis 30 "$REDIS_PID" "$REDIS_LOG" redis_healthy
  log "Redis: ready"
}

stop_redis() {
  if redis_healthy; then
    log "Redis: stopping"
    redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 40; i++)); do
      redis_healthy || break
      sleep 0.25
    done
  else
    log "Redis: not running"
  fi
  # In case it answers no more but the process lingers.
  pid_alive "$REDIS_PID" && kill_pidfile Redis "$REDIS_PID"
  rm -f "$REDIS_PID"
}

# ---------------------------------------------------------------------------------------
# MinIO

MINIO_PID="$RUN/minio/minio.pid"
MINIO_LOG="$RUN/minio/minio.log"

ensure_minio_binary() {
  if [[ -x $MINIO_BIN ]]; then
    return 0
  fi
  command -v go >/dev/null || die "go not found (expected /usr/local/go/bin/go); needed to build MinIO"
  local build="$CACHE/go" tmpbin="$CACHE/bin.tmp.$$"
  log "MinIO: building github.com/minio/minio@latest with $(go version | cut -d' ' -f3) (about 3 minutes on 2 cores)"
  log "MinIO: downloading modules from $(go env GOPROXY) into $build"
  rm -rf "$tmpbin"
  mkdir -p "$tmpbin" "$build"
  # GOPATH/GOCACHE under $CACHE so nothing lands in root's home; -modcacherw so the
  # module cache can be deleted without chmod. Built into a temp dir and moved, so an
  # interrupted build never leaves a half-written binary that later runs would trust.
  GOBIN="$tmpbin" GOPATH="$build" GOCACHE="$build/build-cache" \
    GOFLAGS="${GOFLAGS:-} -modcacherw" \
    go install github.com/minio/minio@latest
  mv -f "$tmpbin/minio" "$MINIO_BIN"
  rmdir "$tmpbin"
  # Module and build caches (~1.2 GB) only serve a rebuild, which never happens while
  # the binary exists; disks here have been seen nearly full.
  rm -rf "$build"
  {
    go version -m "$MINIO_BIN" | awk '$1 == "mod" && $2 == "github.com/minio/minio" {print "module " $2 " " $3}'
    "$MINIO_BIN" --version 2>&1 | head -n 1
  } >"$CACHE/minio.version"
  log "MinIO: built $(tr '\n' ' ' <"$CACHE/minio.version")"
}

minio_healthy() {
  [[ $(curl -s -o /dev/null -m 3 -w '%{http_code}' "http://$HOST:$MINIO_PORT/minio/health/live" 2>/dev/null) == 200 ]]
}

start_minio() {
  if minio_healthy; then
    log "MinIO: already running on $HOST:$MINIO_PORT"
    return 0
  fi
  ensure_minio_binary
  local p
  for p in "$MINIO_PORT" "$MINIO_CONSOLE_PORT"; do
    if port_open "$p"; then
      die "port $HOST:$p is in use by another process; set ARCHIVE_SERVERS_MINIO_PORT / ARCHIVE_SERVERS_MINIO_CONSOLE_PORT"
    fi
  done
  mkdir -p "$RUN/minio/data"
  kill_pidfile MinIO "$MINIO_PID" >/dev/null
  log "MinIO: starting on $HOST:$MINIO_PORT (console $HOST:$MINIO_CONSOLE_PORT)"
  # setsid: the server must outlive this script and not die with the caller's process
  # group (a CI step or a test runner that kills its children).
  # MINIO_UPDATE/MINIO_CALLHOME off: the machine may reach only loopback.
  MINIO_ROOT_USER="$MINIO_ROOT_USER" MINIO_ROOT_PASSWORD="$MINIO_ROOT_PASSWORD" \
    MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off \
    setsid nohup "$MINIO_BIN" server "$RUN/minio/data" \
    --address "$HOST:$MINIO_PORT" --console-address "$HOST:$MINIO_CONSOLE_PORT" \
    >>"$MINIO_LOG" 2>&1 </dev/null &
  echo $! >"$MINIO_PID"
  wait_healthy MinIO 60 "$MINIO_PID" "$MINIO_LOG" minio_healthy
  log "MinIO: ready"
}

stop_minio() {
  kill_pidfile MinIO "$MINIO_PID"
}

# ---------------------------------------------------------------------------------------
# Elasticsearch

ES_RUN="$RUN/es"
ES_CONF="$ES_RUN/config"
ES_PID="$ES_RUN/elasticsearch.pid"
ES_CLUSTER=case-archive-test
ES_LOG="$ES_RUN/logs/$ES_CLUSTER.log"
ES_STARTUP_LOG="$ES_RUN/logs/startup.log"

es_java_home() {
  local candidate major best="" best_major=0
  # An explicit choice wins; otherwise the newest Temurin (Debian's default JDK 17 is too old).
  if [[ -n ${ES_JAVA_HOME:-} ]]; then
    [[ -x $ES_JAVA_HOME/bin/java ]] || die "ES_JAVA_HOME=$ES_JAVA_HOME has no bin/java"
    printf '%s' "$ES_JAVA_HOME"
    return 0
  fi
  for candidate in /usr/lib/jvm/temurin-*; do
    [[ -x $candidate/bin/java ]] || continue
    major=${candidate##*/temurin-}
    major=${major%%-*}
    [[ $major =~ ^[0-9]+$ ]] || continue
    if ((major > best_major)); then
      best=$candidate
      best_major=$major
    fi
  done
  if [[ -z $best ]] || ((best_major < ES_MIN_JAVA)); then
    die "Elasticsearch $ES_VERSION needs a JDK >= $ES_MIN_JAVA; no /usr/lib/jvm/temurin-* that new was found (set ES_JAVA_HOME to one)"
  fi
  printf '%s' "$best"
}

ensure_es_distribution() {
  if [[ -x $ES_HOME/bin/elasticsearch ]]; then
    return 0
  fi
  local repo="$CACHE/m2"
  local zip="$repo/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip"
  if [[ ! -s $zip ]]; then
    log "Elasticsearch: downloading integ-test-zip $ES_VERSION (~99 MB) from Maven Central into $repo"
    # A private local repository keeps the zip with the rest of the cache, not in ~/.m2.
    # Maven 3.8 prints bare colour codes even with -q -B; its output is kept for failures.
    mkdir -p "$repo"
    mvn -q -B -Dmaven.repo.local="$repo" dependency:get \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
      -Dtransitive=false >"$repo/download.log" 2>&1 ||
      fail_with_log "Maven could not download Elasticsearch $ES_VERSION" "$repo/download.log"
  fi
  [[ -s $zip ]] || die "Maven finished but $zip is missing"
  local tmp="$CACHE/es-unpack.$$"
  log "Elasticsearch: unpacking $zip into $ES_HOME"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  unzip -q "$zip" -d "$tmp"
  [[ -x $tmp/elasticsearch-$ES_VERSION/bin/elasticsearch ]] || die "unexpected layout in $zip"
  # archive-es runs it from here: readable by all, writable by root only.
  chmod -R a+rX "$tmp"
  mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
  rmdir "$tmp"
}

ensure_es_user() {
  if ! id -u "$ES_USER" >/dev/null 2>&1; then
    log "Elasticsearch: creating system user $ES_USER (Elasticsearch refuses to run as root)"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$ES_USER"
  fi
}

es_write_config() {
  # The per-run copy of config/ keeps the cached distribution pristine and lets
  # Elasticsearch write its keystore there as $ES_USER.
  if [[ ! -f $ES_CONF/jvm.options ]]; then
    mkdir -p "$ES_CONF"
    cp -R "$ES_HOME/config/." "$ES_CONF/"
  fi
  mkdir -p "$ES_RUN/data" "$ES_RUN/logs" "$ES_RUN/tmp"
  cat >"$ES_CONF/elasticsearch.yml" <<EOF
# Written by scripts/servers.sh on every start; edits are lost.
cluster.name: $ES_CLUSTER
node.name: archive-test-node
network.host: $HOST
http.port: $ES_PORT
transport.port: $ES_TRANSPORT_PORT
discovery.type: single-node
# Loopback-only test node; docker-compose.yml keeps it on the internal network.
xpack.security.enabled: false
path.data: $ES_RUN/data
path.logs: $ES_RUN/logs
# A nearly full disk would otherwise make every index read-only mid test run.
cluster.routing.allocation.disk.threshold_enabled: false
EOF
  # No jvm.options overrides needed: the server runs with path.logs as its working
  # directory, so the stock relative gc.log and hs_err paths land in $ES_RUN/logs.
  chown -R "$ES_USER:" "$ES_RUN"
  chmod 755 "$ES_RUN"
}

es_healthy() {
  curl -fs -o /dev/null -m 5 \
    "http://$HOST:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=2s" 2>/dev/null
}

start_elasticsearch() {
  if es_healthy; then
    log "Elasticsearch: already running on $HOST:$ES_PORT"
    return 0
  fi
  local java_home
  java_home=$(es_java_home)
  if pid_alive "$ES_PID"; then
    # Started by an earlier run that gave up waiting, or still booting: give it the
    # full timeout rather than starting a second node on the same data.
    log "Elasticsearch: process $(<"$ES_PID") exists; waiting for it"
    wait_healthy Elasticsearch 120 "$ES_PID" "$ES_LOG" es_healthy
    log "Elasticsearch: ready"
    return 0
  fi
  ensure_es_distribution
  ensure_es_user
  local p
  for p in "$ES_PORT" "$ES_TRANSPORT_PORT"; do
    if port_open "$p"; then
      die "port $HOST:$p is in use by another process; set ARCHIVE_SERVERS_ES_PORT / ARCHIVE_SERVERS_ES_TRANSPORT_PORT"
    fi
  done
  mkdir -p "$ES_RUN"
  es_write_config
  check_reachable_by "$ES_USER" "$ES_HOME/bin"
  check_reachable_by "$ES_USER" "$ES_RUN"
  rm -f "$ES_PID"
  log "Elasticsearch: starting $ES_VERSION on $HOST:$ES_PORT (java $java_home)"
  # -d detaches on its own; setsid additionally keeps it out of the caller's process group.
  if ! (cd "$ES_RUN" && setsid runuser -u "$ES_USER" -- env \
    ES_JAVA_HOME="$java_home" ES_PATH_CONF="$ES_CONF" ES_TMPDIR="$ES_RUN/tmp" \
    ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
    "$ES_HOME/bin/elasticsearch" -d -p "$ES_PID" >"$ES_STARTUP_LOG" 2>&1 </dev/null); then
    cat "$ES_STARTUP_LOG" >&2 || true
    fail_with_log "Elasticsearch did not start" "$ES_LOG"
  fi
  wait_healthy Elasticsearch 120 "$ES_PID" "$ES_LOG" es_healthy
  log "Elasticsearch: ready"
}

stop_elasticsearch() {
  kill_pidfile Elasticsearch "$ES_PID"
}

# ---------------------------------------------------------------------------------------
# Commands

write_env() {
  local tmp="$ENV_FILE.tmp.$$"
  cat >"$tmp" <<EOF
ARCHIVE_TEST_POSTGRES_URL=postgresql+psycopg://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DB
ARCHIVE_TEST_REDIS_URL=redis://$HOST:$REDIS_PORT/0
ARCHIVE_TEST_S3_ENDPOINT=$HOST:$MINIO_PORT
ARCHIVE_TEST_S3_ACCESS_KEY=$MINIO_ROOT_USER
ARCHIVE_TEST_S3_SECRET_KEY=$MINIO_ROOT_PASSWORD
ARCHIVE_TEST_ELASTICSEARCH_URL=http://$HOST:$ES_PORT
EOF
  chmod 644 "$tmp"
  # Renamed into place so a concurrent reader never sees half a file.
  mv -f "$tmp" "$ENV_FILE"
}

cmd_start() {
  require_root
  ensure_packages
  ensure_dirs
  reserve_ports "$PG_PORT" "$REDIS_PORT" "$MINIO_PORT" "$MINIO_CONSOLE_PORT" "$ES_PORT" \
    "$ES_TRANSPORT_PORT"
  # Elasticsearch first: it takes longest to boot, the others are quick either way.
  start_elasticsearch
  start_postgres
  start_redis
  start_minio
  write_env
  log "all servers up in ${SECONDS}s; environment in $ENV_FILE:"
  cat "$ENV_FILE"
}

cmd_stop() {
  require_root
  stop_elasticsearch
  stop_minio
  stop_redis
  if [[ -d /usr/lib/postgresql ]] && [[ -f $PGDATA/PG_VERSION ]]; then
    stop_postgres
  else
    log "PostgreSQL: not running"
  fi
}

cmd_status() {
  local down=0
  show() {
    local name=$1 addr=$2
    shift 2
    if "$@"; then
      printf '%-14s up    %s\n' "$name" "$addr"
    else
      printf '%-14s down  %s\n' "$name" "$addr"
      down=1
    fi
  }
  pg_status() { [[ -d /usr/lib/postgresql ]] && pg_healthy; }
  redis_status() { command -v redis-cli >/dev/null && redis_healthy; }
  show PostgreSQL "$HOST:$PG_PORT" pg_status
  show Redis "$HOST:$REDIS_PORT" redis_status
  show MinIO "$HOST:$MINIO_PORT" minio_healthy
  show Elasticsearch "$HOST:$ES_PORT" es_healthy
  return "$down"
}

cmd_env() {
  [[ -f $ENV_FILE ]] || die "$ENV_FILE does not exist yet: run 'bash scripts/servers.sh start'"
  cat "$ENV_FILE"
}

usage() {
  echo "usage: bash scripts/servers.sh start|stop|status|env" >&2
  exit 2
}

main() {
  local cmd=${1:-}
  case $cmd in
  start | stop)
    # One start/stop at a time: parallel test runs call start concurrently. flock -o
    # keeps the lock's descriptor out of the daemons, which would otherwise hold it forever.
    if [[ -z ${ARCHIVE_SERVERS_LOCKED:-} ]]; then
      require_root
      mkdir -p "$RUN"
      chmod 755 "$RUN"
      ARCHIVE_SERVERS_LOCKED=1 exec flock -o "$RUN/.servers.lock" bash "${BASH_SOURCE[0]}" "$cmd"
    fi
    "cmd_$cmd"
    ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) usage ;;
  esac
}

main "$@"
