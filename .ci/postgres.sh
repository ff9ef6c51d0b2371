#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the tests, on 127.0.0.1 only.
#
#   bash .ci/postgres.sh           start (or reuse) it; the last line on stdout is its URL,
#                                  postgresql://mjtest:mjtest@127.0.0.1:PORT/postgres
#   bash .ci/postgres.sh --export  the same, printed as `export TEST_DATABASE_URL=...`, so
#                                  `eval $(bash .ci/postgres.sh --export)` sets it up
#   bash .ci/postgres.sh --status  exit 0 if a server started by this script is running
#   bash .ci/postgres.sh --stop    stop it and delete its data
#
# Everything lives in one directory, $MJTEST_PG_DIR (default /tmp/mjtest-postgres): the data
# directory, the unix socket, the log and the port. A server that is still running there is
# reused; anything else found there is wiped. Role mjtest (password mjtest) is a superuser so
# that tests can CREATE DATABASE. fsync is off: the data is not meant to survive a crash.
# Progress and errors go to stderr; only the URL (or export line) goes to stdout.
set -euo pipefail

PG_VERSION=15
PG_BIN="${PG_BIN:-/usr/lib/postgresql/${PG_VERSION}/bin}"
STATE_DIR="${MJTEST_PG_DIR:-/tmp/mjtest-postgres}"
DATA_DIR="$STATE_DIR/data"
PORT_FILE="$STATE_DIR/port"
LOG_FILE="$STATE_DIR/server.log"
FIRST_PORT="${MJTEST_PG_PORT:-54329}"
PG_USER=mjtest
PG_PASSWORD=mjtest

log() { echo "postgres.sh: $*" >&2; }
die() {
    log "error: $*"
    exit 1
}

mode=start
case "${1:-}" in
    "") ;;
    --export) mode=export ;;
    --status) mode=status ;;
    --stop) mode=stop ;;
    -h | --help)
        sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown option $1 (try --help)" ;;
esac

# The server refuses to run as root: run its programs as the postgres system user.
as_postgres() {
    # cd first: the caller's directory may not be readable by postgres.
    (cd "$STATE_DIR" && runuser -u postgres -- "$@")
}

url() { echo "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$1/postgres"; }

running() {
    [[ -f "$DATA_DIR/postmaster.pid" && -f "$PORT_FILE" ]] || return 1
    as_postgres "$PG_BIN/pg_ctl" status -D "$DATA_DIR" >/dev/null 2>&1 || return 1
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$PORT_FILE")" -t 5
}

MARKER="$STATE_DIR/.made-by-mjtest-postgres"

stop() {
    [[ -e "$STATE_DIR" ]] || return 0
    # Never wipe a directory this script did not make (say, a mistyped MJTEST_PG_DIR).
    [[ -f "$MARKER" ]] || die "$STATE_DIR exists but was not made by this script; remove it"
    if [[ -f "$DATA_DIR/postmaster.pid" ]]; then
        as_postgres "$PG_BIN/pg_ctl" stop -D "$DATA_DIR" -m immediate -w >/dev/null 2>&1 || true
    fi
    rm -rf "$STATE_DIR"
}

port_free() {
    python3 - "$1" <<'PY'
import socket
import sys

with socket.socket() as s:
    # As the server does: a port only in TIME_WAIT (a server just stopped) is free.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
}

ensure_installed() {
    [[ -x "$PG_BIN/postgres" && -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] && return 0
    # A new machine may have only the client: install the server from Debian's packages.
    [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null ||
        die "no PostgreSQL $PG_VERSION server in $PG_BIN (install postgresql-$PG_VERSION)"
    log "installing postgresql-$PG_VERSION"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "postgresql-$PG_VERSION" >&2
    [[ -x "$PG_BIN/postgres" ]] || die "postgresql-$PG_VERSION installed but $PG_BIN/postgres is missing"
}

ensure_user() {
    id -u postgres >/dev/null 2>&1 && return 0
    log "creating system user postgres"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin postgres
}

start() {
    [[ $EUID -eq 0 ]] || die "run as root (it starts the server as the postgres user)"
    ensure_installed
    ensure_user

    stop # whatever was here is not running: start from nothing
    mkdir -p "$(dirname "$STATE_DIR")"
    mkdir -m 700 "$STATE_DIR"
    touch "$MARKER"
    chown postgres:postgres "$STATE_DIR"

    local port=$FIRST_PORT
    until port_free "$port"; do
        port=$((port + 1))
        ((port < FIRST_PORT + 100)) || die "no free port in $FIRST_PORT..$((FIRST_PORT + 99))"
    done

    local pwfile="$STATE_DIR/pwfile"
    echo "$PG_PASSWORD" >"$pwfile"
    chown postgres:postgres "$pwfile"
    chmod 600 "$pwfile"
    # The bootstrap superuser is mjtest itself. TCP needs the password; the unix socket, in a
    # directory only postgres and root can enter, is trusted.
    as_postgres "$PG_BIN/initdb" -D "$DATA_DIR" -U "$PG_USER" --pwfile="$pwfile" \
        -E UTF8 --no-locale --auth-host=scram-sha-256 --auth-local=trust \
        --no-sync >"$STATE_DIR/initdb.log" 2>&1 ||
        {
            cat "$STATE_DIR/initdb.log" >&2
            die "initdb failed"
        }
    rm -f "$pwfile"

    cat >>"$DATA_DIR/postgresql.conf" <<EOF

# Added by .ci/postgres.sh: a throwaway server for tests.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$STATE_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
    echo "$port" >"$PORT_FILE"

    as_postgres "$PG_BIN/pg_ctl" start -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 >/dev/null ||
        {
            cat "$LOG_FILE" >&2 || true
            die "the server did not start"
        }
    local tries=0
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; do
        ((++tries < 60)) || die "the server does not accept connections on 127.0.0.1:$port"
        sleep 0.5
    done
    log "PostgreSQL $PG_VERSION started on 127.0.0.1:$port (data in $DATA_DIR, log $LOG_FILE)"
}

case $mode in
    status)
        running
        exit
        ;;
    stop)
        stop
        log "stopped"
        exit 0
        ;;
esac

if running; then
    log "reusing the server on 127.0.0.1:$(cat "$PORT_FILE")"
else
    start
fi

if [[ $mode == export ]]; then
    echo "export TEST_DATABASE_URL=$(url "$(cat "$PORT_FILE")")"
else
    url "$(cat "$PORT_FILE")"
fi
